package dev.keel.jms.internal;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.TopologyException;
import dev.keel.UnroutableException;
import jakarta.jms.JMSSecurityException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A broker's refusal as Keel's typed error: whether trying again can help, and what to do. */
public final class JmsErrors {
    /**
     * ActiveMQ Classic's client refusing parameters of its URL, which it quotes with their values: the transport's
     * {@code Invalid connect parameters: {name=value, ...}} and the connection factory's {@code Unknown
     * parameters=[{name=value, ...}]}. Group 1 is the list inside the braces.
     */
    private static final Pattern CLIENT_REFUSED_PARAMETERS =
            Pattern.compile("(?:Invalid connect parameters: |Unknown parameters=\\[)\\{([^}]*)\\}\\]?");
    private final BrokerErrors broker;
    private final JmsSettings settings;

    public JmsErrors(BrokerErrors broker, JmsSettings settings) {
        this.broker = broker;
        this.settings = settings;
    }

    /** A failed send of a message to {@code topic}. */
    public KeelException ofSend(String topic, Exception e) {
        KeelException url = ofRefusedUrl(topic, e);
        if (url != null) {
            return url;
        }
        AccessRefusedException refused = refusal("the send to topic '" + topic + "'", broker.permissions().send(), e);
        if (refused != null) {
            return refused;
        }
        if (broker.isMissingDestination(e)) {
            return new UnroutableException("topic '" + topic + "' does not exist on the broker: declare the topic first "
                    + "(ensureTopology, or keel.topics." + topic + ".* with the Spring Boot starter)", e);
        }
        if (broker.isFull(e)) {
            return new PublishException("the broker refused the send to topic '" + topic + "': its storage for the "
                    + "topic is full; retry once consumers caught up", e, true);
        }
        if (broker.isRefusedMessage(e)) {
            return new PublishException("the broker refused the message for topic '" + topic + "' for what it holds ("
                    + describe(e) + "): sent again it is refused again. Make its headers, id and key smaller (on "
                    + "Artemis they must fit one journal record with the message, about 490 KiB by default), or put "
                    + "large values in the payload", e, false);
        }
        if (broker.isConnectionLoss(e)) {
            return new BrokerUnavailableException("the connection to the broker was lost while sending to topic '"
                    + topic + "'; the send may not have reached it: try again once the broker answers", e);
        }
        return new PublishException("the send to topic '" + topic + "' failed: " + describe(e), e, true);
    }

    /** A consumer that could not join its group's queue. */
    public KeelException ofConsume(String topic, Exception e) {
        KeelException url = ofRefusedUrl(topic, e);
        if (url != null) {
            return url;
        }
        AccessRefusedException refused = refusal("a consumer of topic '" + topic + "'", broker.permissions().consume(),
                e);
        if (refused != null) {
            return refused;
        }
        return new BrokerUnavailableException("the consumer of topic '" + topic + "' could not connect: "
                + describe(e) + "; check the broker is up and try again", e);
    }

    /**
     * A failed declaration, reading or deletion of {@code topic}: a refusal ({@link AccessRefusedException}), a lost
     * connection (a retriable {@link BrokerUnavailableException}), else the broker's refusal of the operation itself (a
     * {@link TopologyException}).
     */
    public KeelException ofTopology(String topic, Exception e) {
        KeelException url = ofRefusedUrl(topic, e);
        if (url != null) {
            return url;
        }
        AccessRefusedException refused = refusal("managing topic '" + topic + "'", broker.permissions().declare(), e);
        if (refused != null) {
            return refused;
        }
        if (broker.isConnectionLoss(e)) {
            return new BrokerUnavailableException("the connection to the broker was lost managing topic '" + topic
                    + "': try again once the broker answers", e);
        }
        return new TopologyException(topic, "the broker refused an operation on topic '" + topic + "': " + describe(e), e);
    }

    /**
     * {@code e} as the broker's security refusal of {@code what}, or null when it is none: a refused login says to
     * check the credentials, any other refusal to grant the user the permission the broker's message names, else
     * {@code permission}, a TLS handshake that failed over
     * a certificate which side refused which (naming the broker's address), a listener of the other kind than the
     * client's (TLS or plaintext) which it is and what to check. Not retriable.
     */
    public AccessRefusedException refusal(String what, String permission, Throwable e) {
        if (e instanceof AccessRefusedException refused) {
            return refused;
        }
        if (!isSecurityRefusal(e)) {
            Optional<String> certificate = broker.certificateProblem(e);
            if (certificate.isPresent()) {
                return new AccessRefusedException((broker.where().isEmpty() ? "the broker" : "the broker at "
                        + broker.where()) + " could not be reached over TLS for " + what + ": " + certificate.get()
                        + "; not retried", e);
            }
            return broker.listenerMismatch(e).map(mismatch -> new AccessRefusedException(what + " failed: "
                    + mismatch, e)).orElse(null);
        }
        String text = describe(e);
        if (broker.isLoginRefused(text)) {
            return new AccessRefusedException("the broker refused the login for " + what + " (" + text + "): check"
                    + " the user and password (" + settings.credentialsHint() + "); not retried", e);
        }
        return new AccessRefusedException("the broker refused " + what + " (" + text + "): grant the user "
                + broker.refusedPermission(text).orElse(permission) + " " + broker.permissions().where()
                + " (docs/security.md); not retried", e);
    }

    /**
     * True when the broker refused the login or the operation for security, a TLS handshake failed over a
     * certificate, or the listener is of the other kind than the client's (TLS or plaintext): retrying cannot help.
     */
    public boolean isRefusal(Throwable e) {
        return isSecurityRefusal(e) || broker.certificateProblem(e).isPresent()
                || broker.listenerMismatch(e).isPresent();
    }

    private boolean isSecurityRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AccessRefusedException || t instanceof JMSSecurityException) {
                return true;
            }
        }
        return broker.isSecurity(e);
    }

    /** True for failures a new connection can mend. */
    public boolean isConnectionLoss(Throwable e) {
        return broker.isConnectionLoss(e);
    }

    /**
     * The client's refusal of its URL's parameters as a non-retriable {@link TopologyException} naming them, never
     * their values (one may be a password under a misspelled name), and without the client's exception as its cause,
     * whose message holds them; null when {@code e} is none.
     */
    private static KeelException ofRefusedUrl(String topic, Throwable e) {
        Set<String> names = refusedUrlParameters(e);
        if (names.isEmpty()) {
            return null;
        }
        return new TopologyException(topic, "the ActiveMQ client (not the broker) refused parameters of the url: "
                + names + " (misspelled, or not the client's): the url is wrong; fix it and run again. Their values "
                + "are not shown, so that no part of a password under a wrong name is; not retried");
    }

    /** The names of the URL parameters the client refused anywhere in {@code e}'s chain; empty when none. */
    static Set<String> refusedUrlParameters(Throwable e) {
        Set<String> names = new LinkedHashSet<>();
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            Matcher refused = CLIENT_REFUSED_PARAMETERS.matcher(String.valueOf(t.getMessage()));
            while (refused.find()) {
                names.addAll(namesOf(refused.group(1)));
            }
        }
        return names;
    }

    /** The names of a client's {@code name=value, ...} list, in order, without their values. */
    private static Set<String> namesOf(String pairs) {
        Set<String> names = new LinkedHashSet<>();
        for (String pair : pairs.split(", ")) {
            if (pair.indexOf('=') > 0) {
                names.add(pair.substring(0, pair.indexOf('=')));
            }
        }
        return names;
    }

    /**
     * The class and message of the failure, never a payload; the values of URL parameters the client refused and
     * quoted are left out, their names kept.
     */
    public static String describe(Throwable e) {
        if (e.getMessage() == null) {
            return e.getClass().getSimpleName();
        }
        Matcher refused = CLIENT_REFUSED_PARAMETERS.matcher(e.getMessage());
        StringBuilder text = new StringBuilder();
        while (refused.find()) {
            refused.appendReplacement(text, Matcher.quoteReplacement("refused URL parameters "
                    + namesOf(refused.group(1)) + " (values not shown)"));
        }
        refused.appendTail(text);
        return e.getClass().getSimpleName() + ": " + text;
    }
}
