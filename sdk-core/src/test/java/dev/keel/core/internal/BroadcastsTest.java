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
        assertThat(Broadcasts.namespace(broadcast, "pod-1")).isEqualTo("cache.pod-1:orders");
        assertThat(Broadcasts.namespace(broadcast, "pod-2")).isNotEqualTo(Broadcasts.namespace(broadcast, "pod-1"));
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
