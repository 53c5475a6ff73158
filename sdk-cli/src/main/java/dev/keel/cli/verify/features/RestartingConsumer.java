package dev.keel.cli.verify.features;

import dev.keel.MessageHandler;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import java.time.Duration;

/**
 * A workload's consumer: one subscription at a time, closed gracefully and subscribed again by
 * {@link #restart} (a rolling restart, or a rebalance on brokers with consumer groups).
 */
final class RestartingConsumer<T> implements AutoCloseable {

    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final Keel keel;
    private final SubscriptionConfig<T> config;
    private final MessageHandler<T> handler;
    private Subscription current;
    private int restarts;

    RestartingConsumer(Keel keel, SubscriptionConfig<T> config, MessageHandler<T> handler) {
        this.keel = keel;
        this.config = config;
        this.handler = handler;
        this.current = keel.subscribe(config, handler);
    }

    synchronized void restart() {
        current.close(CLOSE_TIMEOUT);
        current = keel.subscribe(config, handler);
        restarts++;
    }

    synchronized int restarts() {
        return restarts;
    }

    @Override
    public synchronized void close() {
        current.close(CLOSE_TIMEOUT);
    }
}
