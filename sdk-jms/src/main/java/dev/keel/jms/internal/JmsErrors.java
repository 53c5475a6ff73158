package dev.keel.jms.internal;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import jakarta.jms.IllegalStateException;
import jakarta.jms.InvalidDestinationException;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.ResourceAllocationException;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;

/** A broker's refusal as Keel's typed error: whether trying again can help, and what to do. */
public final class JmsErrors {
    private JmsErrors() {
    }

    /** A failed send of a message to {@code topic}. */
    public static KeelException ofSend(String topic, Exception e) {
        ActiveMQExceptionType type = typeOf(e);
        AccessRefusedException refused = refusal("the send to topic '" + topic + "'", "'send' on the topic's address",
                e);
        if (refused != null) {
            return refused;
        }
        if (e instanceof InvalidDestinationException || type == ActiveMQExceptionType.ADDRESS_DOES_NOT_EXIST) {
            return new dev.keel.UnroutableException("the address of topic '" + topic + "' does not exist: declare the "
                    + "topic first (ensureTopology, or keel.topics." + topic + ".* with the Spring Boot starter)", e);
        }
        if (e instanceof ResourceAllocationException || type == ActiveMQExceptionType.ADDRESS_FULL) {
            return new PublishException("the broker refused the send to topic '" + topic + "': its address is full "
                    + "(address-full-policy FAIL or BLOCK past its limit); retry once consumers caught up", e, true);
        }
        if (isConnectionLoss(e)) {
            return new BrokerUnavailableException("the connection to the broker was lost while sending to topic '"
                    + topic + "'; the send may not have reached it: try again once the broker answers", e);
        }
        return new PublishException("the send to topic '" + topic + "' failed: " + describe(e), e, true);
    }

    /** A consumer that could not join its group's queue. */
    public static KeelException ofConsume(String topic, Exception e) {
        AccessRefusedException refused = refusal("a consumer of topic '" + topic + "'",
                "'consume' on the group's queue", e);
        if (refused != null) {
            return refused;
        }
        return new BrokerUnavailableException("the consumer of topic '" + topic + "' could not connect: "
                + describe(e) + "; check the broker is up and try again", e);
    }

    /**
     * {@code e} as the broker's security refusal of {@code what}, or null when it is none: a refused login (Artemis's
     * {@code AMQ229031: Unable to validate user}) says to check the credentials, any other refusal to grant the user
     * {@code permission} in the broker's security-settings. Not retriable.
     */
    public static AccessRefusedException refusal(String what, String permission, Throwable e) {
        if (e instanceof AccessRefusedException refused) {
            return refused;
        }
        if (!isRefusal(e)) {
            return null;
        }
        String text = describe(e);
        if (text.contains("AMQ229031") || text.contains("Unable to validate user")) {
            return new AccessRefusedException("the broker refused the login for " + what + " (" + text + "): check"
                    + " the user and password (ArtemisConfig.credentials; keel.artemis.user and keel.artemis.password);"
                    + " not retried", e);
        }
        return new AccessRefusedException("the broker refused " + what + " (" + text + "): grant the user "
                + permission + " in the broker's security-settings (docs/security.md); not retried", e);
    }

    /** True when the broker refused the login or the operation for security: retrying cannot help. */
    public static boolean isRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AccessRefusedException || t instanceof JMSSecurityException) {
                return true;
            }
        }
        return typeOf(e) == ActiveMQExceptionType.SECURITY_EXCEPTION;
    }

    /** True for failures a new connection can mend. */
    public static boolean isConnectionLoss(Throwable e) {
        ActiveMQExceptionType type = typeOf(e);
        return e instanceof IllegalStateException || type == ActiveMQExceptionType.NOT_CONNECTED
                || type == ActiveMQExceptionType.CONNECTION_TIMEDOUT || type == ActiveMQExceptionType.DISCONNECTED
                || type == ActiveMQExceptionType.OBJECT_CLOSED || type == ActiveMQExceptionType.UNBLOCKED
                || type == ActiveMQExceptionType.SESSION_CREATION_REJECTED;
    }

    /** The Artemis error type under a JMS exception, or null. */
    public static ActiveMQExceptionType typeOf(Throwable e) {
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

    /** The class and message of the failure, never a payload. */
    public static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
