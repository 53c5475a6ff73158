package dev.keel.core.internal;

import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.spi.TopologyAdmin;
import java.util.Optional;

/**
 * The retry topic of a non-blocking-retry subscription: named by the adapter
 * ({@link BrokerAdapter#retryTopic}), declared for the subscription's group only, like the origin
 * topic where the adapter can describe it (partitions, replication; the adapter adds the limits it must share,
 * {@link BrokerAdapter#ensureRetryTopic}), and consumed with the subscription's own settings.
 */
final class RetryTopics {

    private RetryTopics() {
    }

    /**
     * Checks that the adapter declares NON_BLOCKING_RETRY, declares the retry topic for the
     * subscription's group (idempotently) and returns its name.
     */
    static String declare(BrokerAdapter adapter, SubscriptionConfig<?> config) {
        if (!adapter.capabilities().contains(Capability.NON_BLOCKING_RETRY)) {
            throw new IllegalStateException("subscription to '" + config.topic() + "' for group '" + config.group()
                    + "' asks for RetryMode.NON_BLOCKING, but this broker adapter does not declare NON_BLOCKING_RETRY "
                    + "(it needs delayed delivery): use RetryMode.IN_PLACE, or an adapter that declares it");
        }
        String name = adapter.retryTopic(config.topic(), config.group());
        if (!TopicSpec.isValidName(name) || name.equals(config.topic())) {
            throw new IllegalArgumentException("the retry topic '" + name + "' of topic '" + config.topic()
                    + "' and group '" + config.group() + "' is no legal topic name (1-200 characters of "
                    + "[A-Za-z0-9._-]): use a shorter group or topic name, or RetryMode.IN_PLACE");
        }
        Optional<TopicSpec> origin = adapter instanceof TopologyAdmin admin ? admin.describeTopology(config.topic())
                : Optional.empty();
        TopicSpec.Builder spec = TopicSpec.builder(name).group(config.group());
        origin.ifPresent(o -> spec.partitions(o.partitions()).replicationFactor(o.replicationFactor())
                .minInSyncReplicas(o.minInSyncReplicas()));
        adapter.ensureRetryTopic(config.topic(), spec.build());
        return name;
    }

    /** {@code config} with the retry topic as the consumed topic, every other setting the same. */
    static <T> SubscriptionConfig<T> consuming(SubscriptionConfig<T> config, String retryTopic) {
        return SubscriptionConfig.from(config, retryTopic).build();
    }
}
