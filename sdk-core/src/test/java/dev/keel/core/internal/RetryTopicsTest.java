package dev.keel.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.HeaderFilter;
import dev.keel.SubscriptionConfig;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.ordering.Ordering;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A NON_BLOCKING subscription's retry-topic consumer runs with every setting of the subscription but its topic: an
 * adversarial probe found it held 30 retry copies of 32 KiB against a byte bound of 64 KiB, as
 * {@code maxInFlightBytes} was not copied.
 */
class RetryTopicsTest {

    @Test
    void theRetryTopicsConsumerShouldKeepEverySettingButTheTopic() {
        SubscriptionConfig<String> config = SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.UNORDERED).lanes(3).maxInFlight(30)
                .maxInFlightBytes(65_536).retryPolicy(RetryPolicy.custom().maxAttempts(4).build())
                .deadLetterPolicy(DeadLetterPolicy.toTopic("orders-dead"))
                .idempotencyPolicy(IdempotencyPolicy.custom().lease(Duration.ofSeconds(20)).build())
                .closeTimeout(Duration.ofSeconds(7)).revokeTimeout(Duration.ofSeconds(3))
                .retryMode(RetryMode.NON_BLOCKING).filter(HeaderFilter.equalTo("region", "eu")).build();

        SubscriptionConfig<String> retrying = RetryTopics.consuming(config, "orders.billing.retry");

        assertThat(retrying.topic()).isEqualTo("orders.billing.retry");
        assertThat(RetryTopics.consuming(config, config.topic())).as("the same but for the topic").isEqualTo(config);
        assertThat(retrying.maxInFlightBytes()).isEqualTo(65_536);
    }
}
