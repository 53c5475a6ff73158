package dev.keel.spring.boot.autoconfigure;

import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Deletes the JDBC inbox's expired rows every {@code keel.inbox.purge-interval} while the context
 * runs ({@link JdbcIdempotencyStore#purgeExpired()}: batches, each its own short transaction). Several
 * instances may each run it.
 */
final class InboxPurge implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(InboxPurge.class);

    private final JdbcIdempotencyStore store;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    InboxPurge(JdbcIdempotencyStore store, Duration interval) {
        if (interval == null || interval.isNegative()) {
            throw new IllegalArgumentException("keel.inbox.purge-interval must be 0 (off) or positive, was " + interval);
        }
        this.store = store;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        if (scheduler != null || interval.isZero()) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "keel-inbox-purge");
            thread.setDaemon(true);
            return thread;
        });
        long millis = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::purge, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void purge() {
        try {
            long deleted = store.purgeExpired();
            LOG.debug("Keel inbox: {} expired rows deleted", deleted);
        } catch (RuntimeException e) {
            LOG.warn("Keel inbox: deleting expired rows failed, trying again in {}: {}", interval, e.toString());
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
