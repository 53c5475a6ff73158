package dev.keel.spring.boot.autoconfigure;

import dev.keel.PublisherState;
import dev.keel.Subscription;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code keel} health contributor: DOWN when a subscription has failed (stopped without
 * draining) and the application has neither closed it nor subscribed again to its topic and group, the shared publisher's circuit breaker is open, or the idempotency store does not
 * answer a ping; UP otherwise. Details: the publisher state, each subscription's state, the store's, and
 * how many times the application's extensions (metrics recorder, interceptors) threw
 * ({@code Keel.extensionFailures()}).
 * Not part of liveness (a broker or Redis outage is not cured by a restart); add it to readiness
 * with {@code management.endpoint.health.group.readiness.include=readinessState,keel}.
 */
public class KeelHealthIndicator extends AbstractHealthIndicator {

    private final Keel keel;
    /** Null when Keel has no store of the application's (none, or one Keel made itself). */
    private final IdempotencyStore store;

    public KeelHealthIndicator(Keel keel, IdempotencyStore store) {
        super("Keel health check failed");
        this.keel = keel;
        this.store = store;
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
            down |= s.state() == Subscription.State.FAILED;
        }
        builder.withDetail("subscriptions", subscriptions);
        // failures of the application's extensions (metrics recorder, interceptors): ignored by Keel, shown here
        builder.withDetail("extensionFailures", keel.extensionFailures());
        if (store != null) {
            try {
                store.ping();
                builder.withDetail("store", "UP");
            } catch (RuntimeException e) {
                builder.withDetail("store", "DOWN: " + e.getClass().getSimpleName());
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
