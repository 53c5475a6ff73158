package dev.keel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigValidationTest {

    @Test
    void zeroMaxAttemptsShouldFail() {
        assertThatThrownBy(() -> RetryPolicy.custom().maxAttempts(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts must be >= 1");
    }

    @Test
    void maxBackoffBelowInitialBackoffShouldFail() {
        assertThatThrownBy(() -> RetryPolicy.custom().initialBackoff(Duration.ofSeconds(5))
                .maxBackoff(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBackoff");
    }

    @Test
    void jitterOutsideZeroToOneShouldFail() {
        assertThatThrownBy(() -> RetryPolicy.custom().jitter(1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jitter must be in [0, 1)");
    }

    @Test
    void maxAttemptsShouldCountTheFirstAttempt() {
        RetryPolicy policy = RetryPolicy.custom().build();
        assertThat(policy.allowsAnotherAfter(4)).isTrue();
        assertThat(policy.allowsAnotherAfter(5)).isFalse();
    }

    @Test
    void retryPolicyFromBaseShouldBeEqualToBase() {
        RetryPolicy base = RetryPolicy.custom().maxAttempts(7).build();
        assertThat(RetryPolicy.from(base).build()).isEqualTo(base).hasSameHashCodeAs(base);
    }

    @Test
    void maxInFlightBelowLanesShouldFail() {
        assertThatThrownBy(() -> SubscriptionConfig.builder("orders", "billing", Codec.utf8()).lanes(16).maxInFlight(8)
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlight (8) must be >= lanes (16)");
    }

    @Test
    void aByteBoundBelowOneShouldFailAndTheDefaultShouldBeSixtyFourMebibytes() {
        assertThatThrownBy(() -> SubscriptionConfig.builder("orders", "billing", Codec.utf8()).maxInFlightBytes(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlightBytes must be >= 1, was 0");
        assertThat(SubscriptionConfig.builder("orders", "billing", Codec.utf8()).build().maxInFlightBytes())
                .isEqualTo(64L * 1024 * 1024);
    }

    @Test
    void invalidTopicNameShouldFail() {
        assertThatThrownBy(() -> SubscriptionConfig.builder("orders with spaces", "g", Codec.utf8()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic must be");
        assertThatThrownBy(() -> TopicSpec.builder("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonPositiveLeaseShouldFail() {
        assertThatThrownBy(() -> IdempotencyPolicy.custom().lease(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease must be a positive duration");
        assertThatThrownBy(() -> IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("storeRetryInterval must be a positive duration");
    }

    @Test
    void retentionShorterThanLeaseShouldFail() {
        assertThatThrownBy(() -> IdempotencyPolicy.custom().lease(Duration.ofMinutes(10))
                .retention(Duration.ofMinutes(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention (PT1M) must be >= lease (PT10M)");
    }

    @Test
    void retentionBeyondTheMaximumShouldFailAtBuildNamingTheBound() {
        assertThatThrownBy(() -> IdempotencyPolicy.custom().retention(Duration.ofMillis(Long.MAX_VALUE)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retention (PT2562047788015H12M55.807S) must be at most PT876000H");
        assertThat(IdempotencyPolicy.custom().retention(IdempotencyPolicy.MAX_RETENTION).build().retention())
                .isEqualTo(Duration.ofDays(36_500));
    }

    @Test
    void leaseShorterThanOneSecondShouldFail() {
        assertThatThrownBy(() -> IdempotencyPolicy.custom().lease(Duration.ofMillis(999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease must be at least PT1S");
        assertThat(IdempotencyPolicy.custom().lease(Duration.ofSeconds(1)).storeRetryInterval(Duration.ofMillis(200))
                .build().renewalInterval()).isEqualTo(Duration.ofMillis(333));
    }

    @Test
    void leaseShorterThanFiveStoreRetryIntervalsShouldFail() {
        assertThatThrownBy(() -> IdempotencyPolicy.custom().lease(Duration.ofSeconds(2))
                .storeRetryInterval(Duration.ofMillis(500)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease (PT2S) must be >= 5 x storeRetryInterval (PT0.5S)");
        assertThat(IdempotencyPolicy.custom().lease(Duration.ofMillis(2500)).storeRetryInterval(Duration.ofMillis(500))
                .build().lease()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void idempotencyPolicyShouldDefaultToTheDocumentedValues() {
        IdempotencyPolicy defaults = SubscriptionConfig.builder("orders", "g", Codec.utf8()).build().idempotencyPolicy();
        assertThat(defaults).isEqualTo(IdempotencyPolicy.ofDefaults());
        assertThat(defaults.lease()).isEqualTo(IdempotencyPolicy.DEFAULT_LEASE).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.renewalInterval()).as("a third of the lease").isEqualTo(Duration.ofMillis(3333));
        assertThat(defaults.retention()).isEqualTo(IdempotencyPolicy.DEFAULT_RETENTION).isEqualTo(Duration.ofHours(24));
        assertThat(defaults.storeRetryInterval()).isEqualTo(IdempotencyPolicy.DEFAULT_STORE_RETRY_INTERVAL);
    }

    @Test
    void minInSyncAboveReplicationShouldFail() {
        assertThatThrownBy(() -> TopicSpec.builder("t").replicationFactor(1).minInSyncReplicas(2).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minInSyncReplicas");
    }

    @Test
    void publisherConfigShouldRejectNonPositiveTimeout() {
        assertThatThrownBy(() -> PublisherConfig.custom().timeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be a positive duration");
        assertThatThrownBy(() -> PublisherConfig.custom().failureRateThreshold(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonBlockingRetryShouldBeRejectedWithPerKeyOrderingAndAtMostOnce() {
        assertThatThrownBy(() -> SubscriptionConfig.builder("orders", "g", Codec.utf8())
                .retryMode(dev.keel.retry.RetryMode.NON_BLOCKING).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PER_KEY")
                .hasMessageContaining("Ordering.UNORDERED");
        assertThatThrownBy(() -> SubscriptionConfig.builder("orders", "g", Codec.utf8())
                .ordering(dev.keel.ordering.Ordering.UNORDERED).guarantee(DeliveryGuarantee.AT_MOST_ONCE)
                .retryMode(dev.keel.retry.RetryMode.NON_BLOCKING).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AT_MOST_ONCE");
        assertThatThrownBy(() -> SubscriptionConfig.builder("orders", "g", Codec.utf8())
                .ordering(dev.keel.ordering.Ordering.UNORDERED).broadcast(true)
                .retryMode(dev.keel.retry.RetryMode.NON_BLOCKING).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broadcast");
        assertThat(SubscriptionConfig.builder("orders", "g", Codec.utf8()).ordering(dev.keel.ordering.Ordering.UNORDERED)
                .retryMode(dev.keel.retry.RetryMode.NON_BLOCKING).build().retryMode())
                .isEqualTo(dev.keel.retry.RetryMode.NON_BLOCKING);
    }

    /**
     * A broadcast instance's namespace carries its instance id: an empty or made-up one would give instances one
     * namespace again (the JDBC inbox's transactional handler asks for it with the id the application passes).
     */
    @Test
    void aBroadcastNamespaceShouldRefuseWhatIsNotAnInstanceId() {
        SubscriptionConfig<String> broadcast = SubscriptionConfig.builder("orders", "g", Codec.utf8()).broadcast(true)
                .build();
        assertThat(broadcast.idempotencyNamespace("node-1")).isEqualTo("g+node-1:orders");
        for (String notAnId : new String[] {"", "a:b", "a+b", "x".repeat(65)}) {
            assertThatThrownBy(() -> broadcast.idempotencyNamespace(notAnId)).as(notAnId)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Keel.instanceId()");
        }
        assertThat(SubscriptionConfig.builder("orders", "g", Codec.utf8()).build().idempotencyNamespace(""))
                .as("a group's subscription: one namespace for its instances").isEqualTo("g:orders");
    }

    @Test
    void aShareGroupShouldBeRejectedWithPerKeyOrderingNonBlockingRetryAndBroadcast() {
        assertThatThrownBy(() -> SubscriptionConfig.builder("orders", "g", Codec.utf8()).shareGroup(true).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PER_KEY")
                .hasMessageContaining("ordering(Ordering.UNORDERED)");
        assertThatThrownBy(() -> SubscriptionConfig.builder("orders", "g", Codec.utf8())
                .ordering(dev.keel.ordering.Ordering.UNORDERED).shareGroup(true)
                .retryMode(dev.keel.retry.RetryMode.NON_BLOCKING).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RetryMode.IN_PLACE");
        assertThatThrownBy(() -> SubscriptionConfig.builder("orders", "g", Codec.utf8())
                .ordering(dev.keel.ordering.Ordering.UNORDERED).shareGroup(true).broadcast(true).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broadcast(true)");
        SubscriptionConfig<String> shared = SubscriptionConfig.builder("orders", "g", Codec.utf8())
                .ordering(dev.keel.ordering.Ordering.UNORDERED).shareGroup(true).build();
        assertThat(shared.shareGroup()).isTrue();
        assertThat(SubscriptionConfig.from(shared).build().shareGroup()).isTrue();
    }

    @Test
    void subscriptionConfigFromBaseShouldKeepEveryValue() {
        SubscriptionConfig<String> base = SubscriptionConfig.builder("orders", "g", Codec.utf8()).lanes(3)
                .maxInFlight(30).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).deadLetterPolicy(DeadLetterPolicy.toTopic("dlq"))
                .build();
        SubscriptionConfig<String> copy = SubscriptionConfig.from(base).build();
        assertThat(copy.toString()).isEqualTo(base.toString());
    }

    @Test
    void deadLetterDestinationShouldBeLeftToTheAdapterByDefault() {
        assertThat(DeadLetterPolicy.ofDefaults().destinationFor("orders")).isEmpty();
        assertThat(DeadLetterPolicy.withSuffix("-dead").destinationFor("orders")).contains("orders-dead");
        assertThat(DeadLetterPolicy.toTopic("all-dead").destinationFor("orders")).contains("all-dead");
    }

    @Test
    void reservedHeaderNamesShouldBeRejected() {
        assertThatThrownBy(() -> Message.builder(new byte[0]).header("keel-id", "x").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved prefix");
    }
}
