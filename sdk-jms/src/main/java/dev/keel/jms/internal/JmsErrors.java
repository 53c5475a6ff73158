package dev.keel.jms.internal;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.TopologyException;
import dev.keel.UnroutableException;
import jakarta.jms.JMSSecurityException;

/** A broker's refusal as Keel's typed error: whether trying again can help, and what to do. */
public final class JmsErrors {
    private final BrokerErrors broker;
    private final JmsSettings settings;

    public JmsErrors(BrokerErrors broker, JmsSettings settings) {
        this.broker = broker;
        this.settings = settings;
    }

    /** A failed send of a message to {@code topic}. */
    public KeelException ofSend(String topic, Exception e) {
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
        if (broker.isConnectionLoss(e)) {
            return new BrokerUnavailableException("the connection to the broker was lost while sending to topic '"
                    + topic + "'; the send may not have reached it: try again once the broker answers", e);
        }
        return new PublishException("the send to topic '" + topic + "' failed: " + describe(e), e, true);
    }

    /** A consumer that could not join its group's queue. */
    public KeelException ofConsume(String topic, Exception e) {
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
     * a certificate which side refused which. Not retriable.
     */
    public AccessRefusedException refusal(String what, String permission, Throwable e) {
        if (e instanceof AccessRefusedException refused) {
            return refused;
        }
        if (!isSecurityRefusal(e)) {
            return broker.certificateProblem(e).map(problem -> new AccessRefusedException("the broker could not be"
                    + " reached over TLS for " + what + ": " + problem + "; not retried", e)).orElse(null);
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
     * True when the broker refused the login or the operation for security, or a TLS handshake failed over a
     * certificate: retrying cannot help.
     */
    public boolean isRefusal(Throwable e) {
        return isSecurityRefusal(e) || broker.certificateProblem(e).isPresent();
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

    /** The class and message of the failure, never a payload. */
    public static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
