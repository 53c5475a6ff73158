package dev.keel.spring.boot.autoconfigure;

import dev.keel.PublisherState;
import dev.keel.Subscription;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code keel} health contributor: DOWN when a subscription has failed (stopped without
 * draining) and the application has neither closed it nor subscribed again to its topic and group, a subscription
 * is {@code RECONNECTING} (its consumer lost the broker and its first attempt to get it back failed: a
 * consumer-only service is not ready without its broker), the shared publisher's circuit breaker is open, or the
 * idempotency store does not answer a ping; UP otherwise. Details: the publisher state, each subscription's state (a listener stopped on
 * purpose is listed as {@value #STOPPED}, which is no reason for DOWN), the store's (with its message when DOWN), and
 * how many times the application's extensions (metrics recorder, interceptors) threw
 * ({@code Keel.extensionFailures()}).
 * Not part of liveness (a broker or Redis outage is not cured by a restart); add it to readiness
 * with {@code management.endpoint.health.group.readiness.include=readinessState,keel}.
 */
public class KeelHealthIndicator extends AbstractHealthIndicator {

    /** The state shown for a listener stopped on purpose (or not started): not subscribed, and not a failure. */
    public static final String STOPPED = "STOPPED";

    private final Keel keel;
    /** Null when Keel has no store of the application's (none, or one Keel made itself). */
    private final IdempotencyStore store;

    /** The {@code topic/group} of each listener that is not subscribed (stopped on purpose): shown as STOPPED. */
    private final Supplier<Set<String>> stopped;

    public KeelHealthIndicator(Keel keel, IdempotencyStore store) {
        this(keel, store, Set::of);
    }

    /**
     * @param stopped the {@code topic/group} of each listener stopped on purpose, listed as {@code STOPPED}
     *                without making the health DOWN ({@link KeelListenerRegistry#stoppedTopicsAndGroups()})
     */
    public KeelHealthIndicator(Keel keel, IdempotencyStore store, Supplier<Set<String>> stopped) {
        super("Keel health check failed");
        this.keel = keel;
        this.store = store;
        this.stopped = Objects.requireNonNull(stopped, "stopped");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean down = false;
        PublisherState publisher = keel.publisherState();
        builder.withDetail("publisher", publisher.name());
        down |= publisher == PublisherState.CIRCUIT_OPEN;
        Map<String, String> subscriptions = new LinkedHashMap<>();
        for (Subscription s : keel.subscriptions()) {
            // two of the same topic and group (rare): both states shown, so none hides the one that makes it DOWN
            subscriptions.merge(s.topic() + "/" + s.group(), s.state().name(), (a, b) -> a + ", " + b);
            down |= s.state() == Subscription.State.FAILED || s.state() == Subscription.State.RECONNECTING;
        }
        // a listener stopped on purpose: listed, and no reason for DOWN
        stopped.get().forEach(topicAndGroup -> subscriptions.putIfAbsent(topicAndGroup, STOPPED));
        builder.withDetail("subscriptions", subscriptions);
        // failures of the application's extensions (metrics recorder, interceptors): ignored by Keel, shown here
        builder.withDetail("extensionFailures", keel.extensionFailures());
        if (store != null) {
            try {
                store.ping();
                builder.withDetail("store", "UP");
            } catch (RuntimeException e) {
                // the store's message names it (Redis at host:port) and never a credential
                builder.withDetail("store", "DOWN: " + (e.getMessage() != null ? e.getMessage()
                        : e.getClass().getSimpleName()));
                down = true;
            }
        }
        if (down) {
            builder.down();
        } else {
            builder.up();
        }
    }
}
