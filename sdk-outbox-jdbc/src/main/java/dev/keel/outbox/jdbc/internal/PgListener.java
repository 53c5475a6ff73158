package dev.keel.outbox.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL only: a thread that LISTENs on the outbox's channel on a connection of its own and calls
 * {@code wake} when a transaction that wrote outbox rows commits (the insert notifies), so the relay
 * publishes at once instead of at its next poll. Waits in {@link PGConnection#getNotifications(int)}
 * for at most {@link #MAX_WAIT} at a time (a read on its socket, no query), so {@link #close()}
 * returns within that. Loaded only when the
 * database is PostgreSQL (it needs the PostgreSQL driver).
 */
public final class PgListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PgListener.class);
    /** The longest single wait for a notification; also how soon {@link #close()} returns. */
    public static final Duration MAX_WAIT = Duration.ofMillis(500);

    private final DataSource dataSource;
    private final String channel;
    private final Duration wait;
    private final int networkTimeoutMillis;
    private final Runnable wake;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * Listens on {@code channel} with connections of {@code dataSource}, each waiting at most {@code networkTimeout}
     * for a reply of the database to LISTEN (its waits for notifications are bounded by {@code wait} on their own).
     */
    public PgListener(DataSource dataSource, String channel, Duration wait, Duration networkTimeout, Runnable wake) {
        this.dataSource = dataSource;
        this.channel = channel;
        this.wait = wait.compareTo(MAX_WAIT) < 0 ? wait : MAX_WAIT;
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, networkTimeout.toMillis());
        this.wake = wake;
        this.thread = new Thread(this::run, "keel-outbox-listener-" + channel);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        while (!closed) {
            try (RelayConnection opened = RelayConnection.of(dataSource.getConnection(), networkTimeoutMillis)) {
                Connection connection = opened.connection();
                connection.setAutoCommit(true);
                PGConnection pg = connection.unwrap(PGConnection.class);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN \"" + channel + "\"");
                }
                wake.run(); // rows committed while nobody listened
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications((int) Math.max(1, wait.toMillis()));
                    if (notifications != null && notifications.length > 0) {
                        wake.run();
                    }
                }
            } catch (SQLException e) {
                if (closed) {
                    return;
                }
                LOG.warn("outbox relay: listening for commits on channel {} failed ({}); polling until it works again",
                        channel, e.toString());
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Stops listening; returns once the thread has ended (within the wait) or the timeout passed. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(wait.toMillis() + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
