package dev.keel.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Codec;
import dev.keel.SubscriptionConfig;
import org.junit.jupiter.api.Test;

class BroadcastsTest {

    @Test
    void aBroadcastSubscriptionShouldKeepItsIdempotencyMarksPerInstance() {
        SubscriptionConfig<String> shared = SubscriptionConfig.builder("orders", "cache", Codec.utf8()).build();
        SubscriptionConfig<String> broadcast = SubscriptionConfig.from(shared).broadcast(true).build();

        assertThat(Broadcasts.namespace(shared, "pod-1")).isEqualTo("cache:orders");
        assertThat(Broadcasts.namespace(broadcast, "pod-1")).isEqualTo("cache+pod-1:orders");
        assertThat(Broadcasts.namespace(broadcast, "pod-2")).isNotEqualTo(Broadcasts.namespace(broadcast, "pod-1"));
    }

    /**
     * Group names and instance ids are both of [A-Za-z0-9._-]: with a dot between them, the broadcast subscription of
     * group "billing" on instance "node1" had the namespace of a group named "billing.node1", and each skipped the
     * other's ids as done (found by a read-only review of the Redis store).
     */
    @Test
    void aBroadcastInstancesNamespaceShouldNeverBeAGroupsOrAnotherInstancesNamespace() {
        SubscriptionConfig<String> broadcast = SubscriptionConfig.builder("orders", "billing", Codec.utf8()).broadcast(true)
                .build();
        SubscriptionConfig<String> dottedGroup = SubscriptionConfig.builder("orders", "billing.node1", Codec.utf8()).build();
        SubscriptionConfig<String> dottedBroadcast = SubscriptionConfig.builder("orders", "billing.node1", Codec.utf8())
                .broadcast(true).build();

        assertThat(Broadcasts.namespace(broadcast, "node1")).isNotEqualTo(Broadcasts.namespace(dottedGroup, "node1"));
        assertThat(Broadcasts.namespace(broadcast, "node1.x"))
                .isNotEqualTo(Broadcasts.namespace(dottedBroadcast, "x"));
    }

    @Test
    void anInstanceIdThatCannotBePartOfAGroupNameShouldBeRejected() {
        assertThatThrownBy(() -> Broadcasts.checkInstanceId("pod 1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("instanceId");
        assertThatThrownBy(() -> Broadcasts.checkInstanceId("x".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Broadcasts.randomInstanceId()).matches("i-[0-9a-f]{8}");
    }
}
