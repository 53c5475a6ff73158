package dev.keel.rabbit.internal;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import java.io.IOException;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A non-recovering connection that is reopened on demand: after it is lost, the next caller opens a
 * new one, at most once per retry interval; in between callers fail fast with a retriable
 * {@link BrokerUnavailableException}. Thread-safe.
 */
public final class ManagedConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedConnection.class);

    private final Connector connector;
    private final String role;
    private final long retryIntervalNanos;
    private final LongSupplier nanoTime;
    private Connection connection;
    private long nextAttemptNanos;
    private RuntimeException lastFailure;
    private boolean closed;

    public ManagedConnection(Connector connector, String role, Duration retryInterval, LongSupplier nanoTime) {
        this.connector = connector;
        this.role = role;
        this.retryIntervalNanos = retryInterval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The open connection, reconnecting if it was lost. */
    public synchronized Connection get() {
        if (closed) {
            throw new ClosedException("the RabbitMQ adapter is closed");
        }
        if (connection != null && connection.isOpen()) {
            return connection;
        }
        long now = nanoTime.getAsLong();
        if (lastFailure != null && now - nextAttemptNanos < 0) {
            throw new BrokerUnavailableException("RabbitMQ is unreachable (next reconnection attempt in "
                    + Duration.ofNanos(nextAttemptNanos - now).toMillis() + " ms)", lastFailure);
        }
        try {
            connection = connector.open(role, false);
            lastFailure = null;
            LOG.info("connected to RabbitMQ ({})", role);
            return connection;
        } catch (RuntimeException e) {
            lastFailure = e;
            nextAttemptNanos = now + retryIntervalNanos;
            throw e;
        }
    }

    /** A new channel on the connection. */
    public Channel openChannel() {
        Connection c = get();
        try {
            Channel channel = c.createChannel();
            if (channel == null) {
                throw new BrokerUnavailableException("RabbitMQ refused another channel (channel-max reached)", null);
            }
            return channel;
        } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
            throw new BrokerUnavailableException("cannot open a RabbitMQ channel: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        Connection c;
        synchronized (this) {
            closed = true;
            c = connection;
            connection = null;
        }
        if (c != null && c.isOpen()) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing the {} connection failed", role, e);
            }
        }
    }
}
