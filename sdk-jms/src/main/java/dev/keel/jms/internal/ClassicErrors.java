package dev.keel.jms.internal;

import jakarta.jms.IllegalStateException;
import jakarta.jms.InvalidDestinationException;
import jakarta.jms.JMSException;
import jakarta.jms.ResourceAllocationException;
import org.apache.activemq.ConnectionClosedException;
import org.apache.activemq.ConnectionFailedException;

import java.io.IOException;
import java.util.function.Predicate;

/**
 * ActiveMQ Classic's client failures: the broker's {@link SecurityException}s arrive as
 * {@code JMSSecurityException}s, a lost or timed-out transport as an {@link IOException} under the JMS
 * exception, a closed session or consumer as an {@link IllegalStateException}.
 */
final class ClassicErrors implements BrokerErrors {
    private static final Permissions PERMISSIONS = new Permissions("'write' on the topic's virtual topic "
            + "(VirtualTopic.<topic>)", "'read' on the group's queue (Consumer.<group>.VirtualTopic.<topic>) and on the "
            + "advisory topics (ActiveMQ.Advisory.>)", "'admin' on the topic's queues (Consumer.*.VirtualTopic.<topic>, "
            + "keel-topic.*.<topic>) and 'read' on the advisory topics (ActiveMQ.Advisory.>)",
            "in the broker's authorizationPlugin");

    @Override
    public boolean isSecurity(Throwable e) {
        return any(e, t -> t instanceof SecurityException);
    }

    /** The broker's {@code User name [x] or password is invalid.} */
    @Override
    public boolean isLoginRefused(String text) {
        return text.contains("password is invalid");
    }

    @Override
    public boolean isConnectionLoss(Throwable e) {
        return any(e, t -> t instanceof IOException || t instanceof IllegalStateException
                || t instanceof ConnectionFailedException || t instanceof ConnectionClosedException);
    }

    @Override
    public boolean isMissingDestination(Throwable e) {
        return e instanceof InvalidDestinationException;
    }

    @Override
    public boolean isFull(Throwable e) {
        return e instanceof ResourceAllocationException;
    }

    @Override
    public Permissions permissions() {
        return PERMISSIONS;
    }

    /** Whether {@code e}, one of its causes or a JMS exception's linked exception is what {@code kind} looks for. */
    private static boolean any(Throwable e, Predicate<Throwable> kind) {
        int depth = 0;
        for (Throwable t = e; t != null && depth++ < 16; t = t.getCause()) {
            if (kind.test(t) || t instanceof JMSException j && j.getLinkedException() != null
                    && kind.test(j.getLinkedException())) {
                return true;
            }
        }
        return false;
    }
}
