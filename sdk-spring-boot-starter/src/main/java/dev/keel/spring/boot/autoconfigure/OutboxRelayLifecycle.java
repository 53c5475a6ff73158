package dev.keel.spring.boot.autoconfigure;

import dev.keel.outbox.jdbc.OutboxRefusedException;
import dev.keel.outbox.jdbc.OutboxRelay;
import dev.keel.outbox.jdbc.OutboxTableMissingException;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

/**
 * Starts the {@link OutboxRelay} when the context starts and closes it when the context stops. Its
 * phase is just below the listener registry's: it starts before the listeners subscribe and stops
 * after they drained, so rows their handlers wrote while draining are still published; Keel (and its
 * publisher) closes after every lifecycle has stopped. A relay starts once: a context that is stopped
 * and started again keeps its relay closed (and says so). Without the outbox table (a service that has a
 * {@code DataSource} but does not use the outbox) the relay does not run, and a WARN says so. A database that refuses
 * the relay (its login, or a grant on the outbox tables) fails the context's start with the grant to add.
 */
public final class OutboxRelayLifecycle implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelayLifecycle.class);
    /** Starts before, and stops after, {@link KeelListenerRegistry#PHASE}. */
    public static final int PHASE = KeelListenerRegistry.PHASE - 1;

    private final OutboxRelay relay;
    private volatile boolean running;
    private volatile String notRunning = "not started yet";
    /** Why the relay does not run when its table is missing (names the table and the script); null otherwise. */
    private volatile String tableMissing;
    private boolean stopped;

    OutboxRelayLifecycle(OutboxRelay relay) {
        this.relay = relay;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        if (stopped) {
            LOG.warn("the Keel outbox relay was stopped with its context and does not start again: restart the"
                    + " application to publish the outbox");
            return;
        }
        try {
            relay.start();
        } catch (OutboxTableMissingException e) {
            // a DataSource alone configures the outbox: a service without its table does not use it
            LOG.warn("the Keel outbox relay does not run: {}. Set keel.outbox.enabled=false if this service does not"
                    + " use the outbox; once the table exists, restart the application", e.getMessage());
            notRunning = "not running: no outbox table";
            tableMissing = e.getMessage();
            return;
        } catch (OutboxRefusedException e) {
            // a refused login or a missing grant: the application cannot publish its outbox, and waiting cannot help
            throw new IllegalStateException("the Keel outbox relay cannot start: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new CannotGetJdbcConnectionException("the Keel outbox relay cannot reach its database", e);
        }
        running = true;
    }

    @Override
    public synchronized void stop() {
        if (running) {
            relay.close();
            running = false;
            stopped = true;
            notRunning = "stopped with its context";
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** "running", or why not: not started yet, no outbox table, refused by its database, stopped with its context. */
    String state() {
        if (running && relay.failure().isPresent()) {
            return "stopped: refused by its database";
        }
        return running ? "running" : notRunning;
    }

    /** The missing table's message (the table and the script to apply) when that kept the relay from running. */
    java.util.Optional<String> tableMissing() {
        return java.util.Optional.ofNullable(tableMissing);
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
