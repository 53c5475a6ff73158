package dev.keel.rabbit.internal;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A non-recovering connection that is reopened on demand: after it is lost, the next caller opens a
 * new one, at most once per retry interval; in between callers fail fast with a retriable
 * {@link BrokerUnavailableException} (or, after a refused login, the {@link AccessRefusedException} again). The publishing side and the partition consumers each use one.
 * Knows whether RabbitMQ blocks the current connection ({@link PublishGate}) and can close it at the
 * socket ({@link #forceClose}), which frees a call stuck writing to it. Thread-safe. A connection being opened
 * holds no lock that {@link #close} or {@link #forceClose} wait for: both close its socket, which ends the opening
 * (against a broker that accepts but never answers it would otherwise last up to the connection timeout and the
 * probes of a failed connection after it).
 */
public final class ManagedConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedConnection.class);

    private final Connector connector;
    private final String role;
    private final long retryIntervalNanos;
    private final LongSupplier nanoTime;
    private Connection connection;
    private volatile PublishGate gate;
    private Socket socket;
    private long nextAttemptNanos;
    private RuntimeException lastFailure;
    private volatile boolean closed;
    /** Held by the one caller that opens a connection; never while holding this object's lock. */
    private final Object connecting = new Object();
    /** The socket of the connection being opened, once the client made it; null otherwise. */
    private volatile Socket openingSocket;
    /** Whether a connection is being opened, and since when ({@link #openingForNanos}). */
    private volatile boolean opening;
    private volatile long openingSinceNanos;
    /** Why {@link #forceClose} ended the opening in progress; null if it did not. */
    private volatile String endedBy;

    public ManagedConnection(Connector connector, String role, Duration retryInterval, LongSupplier nanoTime) {
        this.connector = connector;
        this.role = role;
        this.retryIntervalNanos = retryInterval.toNanos();
        this.nanoTime = nanoTime;
        this.gate = new PublishGate(role);
    }

    /** The open connection, reconnecting if it was lost. */
    public Connection get() {
        Connection current = current();
        if (current != null) {
            return current;
        }
        synchronized (connecting) {
            long now;
            synchronized (this) {
                current = current();
                if (current != null) {
                    return current; // another caller opened it meanwhile
                }
                now = nanoTime.getAsLong();
                if (lastFailure instanceof AccessRefusedException refused && now - nextAttemptNanos < 0) {
                    throw new AccessRefusedException(refused.getMessage(), refused);
                }
                if (lastFailure != null && now - nextAttemptNanos < 0) {
                    throw new BrokerUnavailableException("no RabbitMQ connection (" + lastFailure.getMessage()
                            + "); next attempt in " + Duration.ofNanos(nextAttemptNanos - now).toMillis() + " ms",
                            lastFailure);
                }
            }
            return open(now);
        }
    }

    /** The connection if open; null if there is none or it was lost. */
    private synchronized Connection current() {
        if (closed) {
            throw new ClosedException("the RabbitMQ adapter is closed");
        }
        return connection != null && connection.isOpen() ? connection : null;
    }

    /**
     * Opens a connection, under {@code connecting} and outside this object's lock. An opening {@link #forceClose} ended
     * fails, and the next attempt waits the retry interval from then, as after a connection it closed.
     */
    private Connection open(long now) {
        AtomicReference<Socket> opened = new AtomicReference<>();
        Connection fresh;
        endedBy = null;
        openingSinceNanos = now;
        opening = true;
        try {
            fresh = connector.open(role, false, s -> {
                opened.set(s);
                openingSocket = s;
                if (closed || endedBy != null) {
                    closeQuietly(s); // ended before the socket was made: it could not be closed then
                }
            }, () -> closed || endedBy != null);
        } catch (RuntimeException e) {
            synchronized (this) {
                if (closed) {
                    throw new ClosedException("the RabbitMQ adapter was closed while connecting");
                }
                String ended = endedBy;
                lastFailure = ended == null ? e : new BrokerUnavailableException(ended, e);
                nextAttemptNanos = ended == null ? now + retryIntervalNanos
                        : nanoTime.getAsLong() + retryIntervalNanos;
                if (ended != null) {
                    throw (BrokerUnavailableException) lastFailure;
                }
            }
            throw e;
        } finally {
            opening = false;
            openingSocket = null;
        }
        String ended = endedBy;
        if (ended != null) { // ended as the handshake finished: its socket is closed
            closeQuietly(opened.get());
            synchronized (this) {
                lastFailure = new BrokerUnavailableException(ended, null);
                nextAttemptNanos = nanoTime.getAsLong() + retryIntervalNanos;
            }
            throw new BrokerUnavailableException(ended, null);
        }
        PublishGate freshGate = new PublishGate(role);
        fresh.addBlockedListener(freshGate);
        fresh.addShutdownListener(cause -> freshGate.forget()); // no unblocked comes on a dead connection
        synchronized (this) {
            if (!closed) {
                connection = fresh;
                socket = opened.get();
                gate = freshGate;
                lastFailure = null;
            }
        }
        if (closed) {
            closeQuietly(opened.get());
            throw new ClosedException("the RabbitMQ adapter was closed while connecting");
        }
        LOG.info("connected to RabbitMQ ({})", role);
        return fresh;
    }

    private void closeQuietly(Socket s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("closing the socket of the {} connection failed: {}", role, e.toString());
        }
    }

    /**
     * @throws BrokerUnavailableException (retriable) while RabbitMQ blocks the current connection
     *         (a memory or disk alarm): a publish would only wait for the alarm to clear
     */
    public void checkNotBlocked() {
        gate.check();
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

    /**
     * Closes the current connection's socket, without the closing handshake (which would queue
     * behind a stuck write): writes in progress fail, the connection shuts down as if the network
     * had dropped it, and no new one is opened before the retry interval.
     */
    public void forceClose(String reason) {
        Socket s;
        synchronized (this) {
            if (opening) {
                if (endedBy == null) {
                    LOG.warn("ending the opening of the RabbitMQ {} connection: {}", role, reason);
                }
                endedBy = reason;
                closeQuietly(openingSocket); // the opening fails, and the next attempt waits the retry interval
                return;
            }
            if (connection == null || socket == null || !connection.isOpen()) {
                return;
            }
            s = socket;
            lastFailure = new BrokerUnavailableException(reason, null);
            nextAttemptNanos = nanoTime.getAsLong() + retryIntervalNanos;
        }
        LOG.warn("closing the RabbitMQ {} connection: {}", role, reason);
        closeQuietly(s);
    }

    /** How long the opening of a connection in progress has lasted as of {@code now}, or 0 when none is. */
    public long openingForNanos(long now) {
        return opening ? Math.max(1, now - openingSinceNanos) : 0;
    }

    /** Whether RabbitMQ blocks the current connection (it does not read from it: nothing closes gracefully). */
    public boolean isBlocked() {
        return gate.isBlocked();
    }

    /**
     * Closes the connection; at the socket while RabbitMQ blocks it (the closing handshake would wait
     * for the alarm), or when RabbitMQ does not answer the closing handshake within the adapter's
     * {@code closeTimeout} (a silent connection: the client then closes the socket itself).
     */
    @Override
    public void close() {
        if (isBlocked()) {
            forceClose("the adapter is closing while RabbitMQ blocks the connection");
        }
        Connection c;
        synchronized (this) {
            closed = true;
            c = connection;
            connection = null;
        }
        closeQuietly(openingSocket); // ends an opening in progress, which then closes what it opened, if anything
        if (c != null && c.isOpen()) {
            try {
                c.close((int) connector.config().closeTimeout().toMillis());
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing the {} connection failed", role, e);
            }
        }
    }
}
