package dev.keel.jms.internal;

import jakarta.jms.IllegalStateException;
import jakarta.jms.InvalidDestinationException;
import jakarta.jms.JMSException;
import jakarta.jms.ResourceAllocationException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;

/** Artemis's client failures: {@link ActiveMQExceptionType}s under the JMS exceptions. */
final class ArtemisErrors implements BrokerErrors {
    private static final Permissions PERMISSIONS = new Permissions("'send' on the topic's address",
            "'consume' on the group's queue", "what declaring needs on the topic's address and queues (createAddress, "
            + "createDurableQueue)", "in the broker's security-settings");

    /** Artemis's refusal of an operation: the permission, the queue when there is one, the address. */
    private static final Pattern REFUSED = Pattern.compile(
            "permission='([A-Z_]+)'(?: for queue (\\S+))? on address ([^\\s\\]]+)");

    private final ArtemisTlsProbe tls;

    /** @param url the client's URL: for a TLS one, a failed connection is probed for a certificate problem */
    ArtemisErrors(String url) {
        this.tls = ArtemisTlsProbe.of(url);
    }

    /**
     * The client's own handshake failure when it is in the chain, else, for a connection that failed or timed out on
     * a TLS URL, what the broker says to a connection that only listens ({@link ArtemisTlsProbe}).
     */
    @Override
    public Optional<String> certificateProblem(Throwable e) {
        Optional<String> direct = BrokerErrors.super.certificateProblem(e);
        if (direct.isPresent() || !isConnectionLoss(e)) {
            return direct;
        }
        return tls.certificateProblem();
    }

    @Override
    public boolean isSecurity(Throwable e) {
        return typeOf(e) == ActiveMQExceptionType.SECURITY_EXCEPTION;
    }

    /** Artemis's {@code AMQ229031: Unable to validate user}. */
    @Override
    public boolean isLoginRefused(String text) {
        return text.contains("AMQ229031") || text.contains("Unable to validate user");
    }

    /**
     * From Artemis's {@code AMQ229032}/{@code AMQ229213} ({@code User: u does not have permission='CREATE_ADDRESS'
     * for queue q on address a}): {@code 'createAddress' on address 'a' (queue 'q')}, the permission as broker.xml's
     * security-settings spell it.
     */
    @Override
    public Optional<String> refusedPermission(String text) {
        Matcher m = REFUSED.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        String permission = camelCase(m.group(1));
        String queue = m.group(2);
        String address = m.group(3);
        return Optional.of("'" + permission + "' on address '" + address + "'"
                + (queue == null || queue.equals(address) ? "" : " (queue '" + queue + "')"));
    }

    /** {@code CREATE_NON_DURABLE_QUEUE} as {@code createNonDurableQueue}. */
    private static String camelCase(String constant) {
        StringBuilder b = new StringBuilder();
        for (String word : constant.toLowerCase(Locale.ROOT).split("_")) {
            b.append(b.isEmpty() || word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
        }
        return b.toString();
    }

    @Override
    public boolean isConnectionLoss(Throwable e) {
        ActiveMQExceptionType type = typeOf(e);
        return e instanceof IllegalStateException || type == ActiveMQExceptionType.NOT_CONNECTED
                || type == ActiveMQExceptionType.CONNECTION_TIMEDOUT || type == ActiveMQExceptionType.DISCONNECTED
                || type == ActiveMQExceptionType.OBJECT_CLOSED || type == ActiveMQExceptionType.UNBLOCKED
                || type == ActiveMQExceptionType.SESSION_CREATION_REJECTED;
    }

    @Override
    public boolean isMissingDestination(Throwable e) {
        return e instanceof InvalidDestinationException || typeOf(e) == ActiveMQExceptionType.ADDRESS_DOES_NOT_EXIST;
    }

    @Override
    public boolean isFull(Throwable e) {
        return e instanceof ResourceAllocationException || typeOf(e) == ActiveMQExceptionType.ADDRESS_FULL;
    }

    @Override
    public Permissions permissions() {
        return PERMISSIONS;
    }

    /** The Artemis error type under a JMS exception, or null. */
    static ActiveMQExceptionType typeOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ActiveMQException a) {
                return a.getType();
            }
            if (t instanceof JMSException j && j.getLinkedException() instanceof ActiveMQException a) {
                return a.getType();
            }
        }
        return null;
    }
}
