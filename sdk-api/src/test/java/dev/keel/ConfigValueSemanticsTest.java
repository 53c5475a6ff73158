package dev.keel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.ordering.Ordering;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryPolicy;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every configuration is a value: {@code from(x).build()} equals {@code x}, and changing any one
 * field breaks equality and shows in {@code toString}. Each table must name every instance field
 * of its class, so a field added without a row here (and likely without equals) fails the test.
 */
class ConfigValueSemanticsTest {

    private static final Codec<String> OTHER_CODEC = new Codec<>() {
        @Override
        public byte[] encode(String value) {
            return Codec.utf8().encode(value);
        }

        @Override
        public String decode(byte[] bytes) {
            return Codec.utf8().decode(bytes);
        }

        @Override
        public String toString() {
            return "OtherCodec";
        }
    };

    @Test
    void subscriptionConfigShouldBeAValueOverAllItsFields() {
        Codec<String> codec = Codec.utf8();
        SubscriptionConfig<String> base = SubscriptionConfig.builder("orders", "billing", codec).build();
        Map<String, UnaryOperator<SubscriptionConfig<String>>> changes = new LinkedHashMap<>();
        changes.put("topic", c -> SubscriptionConfig.builder("payments", "billing", codec).build());
        changes.put("group", c -> SubscriptionConfig.builder("orders", "shipping", codec).build());
        changes.put("codec", c -> SubscriptionConfig.builder("orders", "billing", OTHER_CODEC).build());
        changes.put("guarantee", c -> SubscriptionConfig.from(c).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build());
        changes.put("ordering", c -> SubscriptionConfig.from(c).ordering(Ordering.UNORDERED).build());
        changes.put("lanes", c -> SubscriptionConfig.from(c).lanes(3).build());
        changes.put("maxInFlight", c -> SubscriptionConfig.from(c).maxInFlight(100).build());
        changes.put("maxInFlightBytes", c -> SubscriptionConfig.from(c).maxInFlightBytes(1_000).build());
        changes.put("retryPolicy", c -> SubscriptionConfig.from(c).retryPolicy(RetryPolicy.none()).build());
        changes.put("deadLetterPolicy", c -> SubscriptionConfig.from(c).deadLetterPolicy(DeadLetterPolicy.toTopic("dlq"))
                .build());
        changes.put("idempotencyPolicy", c -> SubscriptionConfig.from(c)
                .idempotencyPolicy(IdempotencyPolicy.custom().lease(Duration.ofSeconds(5)).build()).build());
        changes.put("closeTimeout", c -> SubscriptionConfig.from(c).closeTimeout(Duration.ofSeconds(1)).build());
        changes.put("revokeTimeout", c -> SubscriptionConfig.from(c).revokeTimeout(Duration.ofSeconds(1)).build());
        changes.put("retryMode", c -> SubscriptionConfig.from(c).ordering(Ordering.UNORDERED)
                .retryMode(dev.keel.retry.RetryMode.NON_BLOCKING).build());
        changes.put("filter", c -> SubscriptionConfig.from(c).filter(HeaderFilter.equalTo("region", "eu")).build());
        changes.put("broadcast", c -> SubscriptionConfig.from(c).broadcast(true).build());
        changes.put("shareGroup", c -> SubscriptionConfig.from(c).ordering(Ordering.UNORDERED).shareGroup(true).build());

        assertValueSemantics(SubscriptionConfig.class, base, c -> SubscriptionConfig.from(c).build(), changes);
    }

    @Test
    void aConfigMovedToAnotherTopicAndGroupShouldKeepEveryOtherValue() {
        SubscriptionConfig<String> base = SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).lanes(3).maxInFlight(100)
                .retryPolicy(RetryPolicy.none()).closeTimeout(Duration.ofSeconds(1))
                .filter(HeaderFilter.equalTo("region", "eu")).build();

        SubscriptionConfig<String> moved = SubscriptionConfig.from(base, "payments", "ledger").build();

        assertThat(moved.topic()).isEqualTo("payments");
        assertThat(moved.group()).isEqualTo("ledger");
        assertThat(SubscriptionConfig.from(moved, "orders", "billing").build()).isEqualTo(base);
    }

    @Test
    void publisherConfigShouldBeAValueOverAllItsFields() {
        PublisherConfig base = PublisherConfig.ofDefaults();
        Map<String, UnaryOperator<PublisherConfig>> changes = new LinkedHashMap<>();
        changes.put("maxInFlight", c -> PublisherConfig.from(c).maxInFlight(5).build());
        changes.put("timeout", c -> PublisherConfig.from(c).timeout(Duration.ofSeconds(3)).build());
        changes.put("maxAttempts", c -> PublisherConfig.from(c).maxAttempts(1).build());
        changes.put("retryBackoff", c -> PublisherConfig.from(c).retryBackoff(Duration.ofSeconds(1)).build());
        changes.put("failureRateThreshold", c -> PublisherConfig.from(c).failureRateThreshold(75.5f).build());
        changes.put("minimumCalls", c -> PublisherConfig.from(c).minimumCalls(3).build());
        changes.put("openDuration", c -> PublisherConfig.from(c).openDuration(Duration.ofMinutes(2)).build());
        changes.put("sequentialPerKey", c -> PublisherConfig.from(c).sequentialPerKey(true).build());

        assertValueSemantics(PublisherConfig.class, base, c -> PublisherConfig.from(c).build(), changes);
    }

    @Test
    void retryPolicyShouldBeAValueOverAllItsFields() {
        RetryPolicy base = RetryPolicy.ofDefaults();
        Map<String, UnaryOperator<RetryPolicy>> changes = new LinkedHashMap<>();
        changes.put("maxAttempts", c -> RetryPolicy.from(c).maxAttempts(2).build());
        changes.put("initialBackoff", c -> RetryPolicy.from(c).initialBackoff(Duration.ofMillis(50)).build());
        changes.put("multiplier", c -> RetryPolicy.from(c).multiplier(3.0).build());
        changes.put("maxBackoff", c -> RetryPolicy.from(c).maxBackoff(Duration.ofMinutes(1)).build());
        changes.put("jitter", c -> RetryPolicy.from(c).jitter(0.0).build());
        changes.put("retryOn", c -> RetryPolicy.from(c).retryOn(IOException.class).build());
        changes.put("abortOn", c -> RetryPolicy.from(c).abortOn(IllegalArgumentException.class).build());

        assertValueSemantics(RetryPolicy.class, base, c -> RetryPolicy.from(c).build(), changes);
        RetryPolicy classified = RetryPolicy.custom().retryOn(IOException.class).abortOn(IllegalStateException.class)
                .build();
        assertThat(RetryPolicy.from(classified).build()).isEqualTo(classified);
    }

    @Test
    void idempotencyPolicyShouldBeAValueOverAllItsFields() {
        IdempotencyPolicy base = IdempotencyPolicy.ofDefaults();
        Map<String, UnaryOperator<IdempotencyPolicy>> changes = new LinkedHashMap<>();
        changes.put("lease", c -> IdempotencyPolicy.from(c).lease(Duration.ofSeconds(20)).build());
        changes.put("retention", c -> IdempotencyPolicy.from(c).retention(Duration.ofHours(1)).build());
        changes.put("storeRetryInterval", c -> IdempotencyPolicy.from(c).storeRetryInterval(Duration.ofSeconds(1)).build());

        assertValueSemantics(IdempotencyPolicy.class, base, c -> IdempotencyPolicy.from(c).build(), changes);
    }

    @Test
    void topicSpecShouldBeAValueOverAllItsFields() {
        TopicSpec base = TopicSpec.builder("orders").replicationFactor(3).minInSyncReplicas(2).group("billing").build();
        Map<String, UnaryOperator<TopicSpec>> changes = new LinkedHashMap<>();
        changes.put("name", c -> TopicSpec.builder("payments").replicationFactor(3).minInSyncReplicas(2).group("billing")
                .build());
        changes.put("partitions", c -> TopicSpec.from(c).partitions(2).build());
        changes.put("replicationFactor", c -> TopicSpec.from(c).replicationFactor(4).build());
        changes.put("minInSyncReplicas", c -> TopicSpec.from(c).minInSyncReplicas(1).build());
        changes.put("groups", c -> TopicSpec.from(c).group("shipping").build());
        changes.put("maxPriority", c -> TopicSpec.from(c).maxPriority(5).build());

        assertValueSemantics(TopicSpec.class, base, c -> TopicSpec.from(c).build(), changes);
    }

    @Test
    void deadLetterPolicyShouldBeAValueOverAllItsFields() {
        DeadLetterPolicy base = DeadLetterPolicy.ofDefaults();
        Map<String, UnaryOperator<DeadLetterPolicy>> changes = new LinkedHashMap<>();
        changes.put("suffix", c -> DeadLetterPolicy.withSuffix(".dead"));
        changes.put("destination", c -> DeadLetterPolicy.toTopic("all-dead"));
        changes.put("enabled", c -> DeadLetterPolicy.none());

        // built by factories, without from(): equal values come from equal factory calls
        // the default leaves the name to the adapter: it is not the same value as an explicit ".DLT" suffix
        assertThat(DeadLetterPolicy.ofDefaults()).isEqualTo(base).hasSameHashCodeAs(base);
        assertThat(DeadLetterPolicy.withSuffix(DeadLetterPolicy.DEFAULT_SUFFIX)).isNotEqualTo(base)
                .isEqualTo(DeadLetterPolicy.withSuffix(DeadLetterPolicy.DEFAULT_SUFFIX));
        assertThat(DeadLetterPolicy.toTopic("all-dead")).isEqualTo(DeadLetterPolicy.toTopic("all-dead"));
        assertValueSemantics(DeadLetterPolicy.class, base, null, changes);
    }

    /** {@code copy} is the type's {@code from(x).build()}, or {@code null} for a type without from(). */
    private static <C> void assertValueSemantics(Class<?> type, C base, UnaryOperator<C> copy,
                                                 Map<String, UnaryOperator<C>> oneFieldChanged) {
        assertThat(oneFieldChanged.keySet()).as("a row for every field of %s", type.getSimpleName())
                .containsExactlyInAnyOrderElementsOf(instanceFields(type));
        if (copy != null) {
            C same = copy.apply(base);
            assertThat(same).isEqualTo(base).hasSameHashCodeAs(base).hasToString(base.toString());
        }
        oneFieldChanged.forEach((field, change) -> {
            C changed = change.apply(base);
            assertThat(changed).as("%s with another %s", type.getSimpleName(), field).isNotEqualTo(base);
            assertThat(changed.toString()).as("toString shows %s", field).isNotEqualTo(base.toString());
            if (copy != null) {
                assertThat(copy.apply(changed)).as("from() keeps %s", field).isEqualTo(changed)
                        .hasSameHashCodeAs(changed);
            }
        });
    }

    private static Set<String> instanceFields(Class<?> type) {
        return Arrays.stream(type.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers()))
                .map(Field::getName).collect(Collectors.toSet());
    }
}
