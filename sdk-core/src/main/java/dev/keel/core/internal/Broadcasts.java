package dev.keel.core.internal;

import dev.keel.SubscriptionConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import java.util.Optional;
import java.util.UUID;

/**
 * The rules of the consumption modes beside a classic group: broadcast subscriptions (which adapters offer
 * them, and whose idempotency marks they use) and share groups (which adapters offer them).
 */
public final class Broadcasts {

    private Broadcasts() {
    }

    /** A new random instance id: {@code i-} and 8 hex digits. */
    public static String randomInstanceId() {
        return "i-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Checks an instance id given to the builder: like a group name, and short enough to be added to one.
     *
     * @throws IllegalArgumentException when it is not 1-64 characters of [A-Za-z0-9._-]
     */
    public static String checkInstanceId(String instanceId) {
        if (!SubscriptionConfig.isValidInstanceId(instanceId)) {
            throw new IllegalArgumentException("instanceId must be 1-64 characters of [A-Za-z0-9._-], was '"
                    + instanceId + "'");
        }
        return instanceId;
    }

    /**
     * This instance's id when {@code config} is a broadcast subscription, else empty.
     *
     * @throws UnsupportedOperationException when the adapter does not declare {@link Capability#BROADCAST}
     */
    static Optional<String> check(BrokerAdapter adapter, SubscriptionConfig<?> config, String instanceId) {
        if (!config.broadcast()) {
            return Optional.empty();
        }
        if (!adapter.capabilities().contains(Capability.BROADCAST)) {
            throw new UnsupportedOperationException("broadcast subscription to '" + config.topic() + "' for group '"
                    + config.group() + "': " + adapter.getClass().getSimpleName() + " does not offer broadcast "
                    + "(Capability.BROADCAST); subscribe without broadcast(true)");
        }
        return Optional.of(instanceId);
    }

    /**
     * Checks that the adapter offers share groups when {@code config} asks for one.
     *
     * @throws UnsupportedOperationException when it does not declare {@link Capability#SHARED_CONSUMPTION}
     */
    static void checkShareGroup(BrokerAdapter adapter, SubscriptionConfig<?> config) {
        if (config.shareGroup() && !adapter.capabilities().contains(Capability.SHARED_CONSUMPTION)) {
            throw new UnsupportedOperationException("share-group subscription to '" + config.topic() + "' for group '"
                    + config.group() + "': " + adapter.getClass().getSimpleName() + " does not offer shared "
                    + "consumption (Capability.SHARED_CONSUMPTION); subscribe without shareGroup(true)");
        }
    }

    /**
     * The idempotency namespace of a subscription: {@code <group>:<topic>}, or for a broadcast one
     * {@code <group>+<instance>:<topic>}, so that one instance having run a message is no duplicate
     * for another. The {@code +} is in neither a group name nor an instance id: with a dot there, the broadcast
     * subscription of group {@code billing} on instance {@code node1} shared the namespace of a group named
     * {@code billing.node1}, and each skipped the other's ids as done.
     */
    static String namespace(SubscriptionConfig<?> config, String instanceId) {
        return config.idempotencyNamespace(instanceId); // the JDBC inbox's transactional handler reads it there too
    }
}
