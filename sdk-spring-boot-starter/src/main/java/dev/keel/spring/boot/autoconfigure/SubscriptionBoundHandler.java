package dev.keel.spring.boot.autoconfigure;

import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;

/**
 * A listener's handler that needs its final {@link SubscriptionConfig} (after every property layer)
 * to become the handler Keel runs: the JDBC inbox's, whose done marks are kept per group and topic
 * with the subscription's idempotency policy (and per instance for a broadcast one).
 */
interface SubscriptionBoundHandler extends MessageHandler<Object> {

    /** The handler for {@code config}, run by the Keel whose instance id is {@code instanceId}. */
    MessageHandler<Object> bind(SubscriptionConfig<Object> config, String instanceId);

    @Override
    default void handle(dev.keel.Delivery<Object> delivery) {
        throw new IllegalStateException("a subscription-bound handler runs only once bound to its subscription");
    }
}
