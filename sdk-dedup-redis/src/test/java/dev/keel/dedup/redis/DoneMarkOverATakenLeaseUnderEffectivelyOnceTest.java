package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.SetParams;

/**
 * While a message's handler runs, another consumer takes its id over (as after this consumer's lease expired: a
 * stall longer than the lease). The done mark, a plain SET with no owner check, is then written over that
 * consumer's lease and answers LOST; the engine claims the id again, finds it done, and must still report the
 * loss (LEASE_LOST, a warning) rather than complete again and hide it behind its own mark. A later copy of the
 * message is skipped.
 */
class DoneMarkOverATakenLeaseUnderEffectivelyOnceTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void aDoneMarkWrittenOverAnotherConsumersLeaseShouldBeReportedAsALostLease() {
        AtomicInteger effects = new AtomicInteger();
        AtomicInteger duplicatesSkipped = new AtomicInteger();
        AtomicInteger leasesLost = new AtomicInteger();
        try (RedisServerProcess redis = RedisServerProcess.start();
             RedisClient raw = RedisClient.create(redis.host(), redis.port());
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host())
                     .port(redis.port()).build());
             InMemoryBroker broker = InMemoryBroker.create();
             Keel keel = Keel.builder(broker).idempotencyStore(store)
                     .metrics(counting(duplicatesSkipped, leasesLost)).build()) {
            keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("g").build());
            keel.subscribe(SubscriptionConfig.builder("orders", "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(), d -> {
                        if (effects.incrementAndGet() == 1) {
                            raw.set("keel:g:orders:" + d.id(), "p:another-consumer", SetParams.setParams().px(30_000));
                        }
                    });

            keel.publisher().publish("orders", Message.builder("m".getBytes()).id("m1").key("k").build());
            keel.publisher().publish("orders", Message.builder("m".getBytes()).id("m1").key("k").build());
            await("the copy skipped").atMost(PATIENCE).until(() -> duplicatesSkipped.get() == 1);

            assertThat(raw.get("keel:g:orders:m1")).startsWith("d:").isNotEqualTo("d:another-consumer");
        }
        assertThat(effects.get()).isEqualTo(1);
        assertThat(leasesLost.get()).as("the lease lost to another consumer is reported").isEqualTo(1);
    }

    private static MetricsRecorder counting(AtomicInteger duplicatesSkipped, AtomicInteger leasesLost) {
        return new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
                if (event == MetricEvent.DUPLICATE_SKIPPED) {
                    duplicatesSkipped.incrementAndGet();
                } else if (event == MetricEvent.LEASE_LOST) {
                    leasesLost.incrementAndGet();
                }
            }

            @Override
            public void handlerLatency(String topic, String group, Duration latency, boolean success) {
            }

            @Override
            public void inFlight(String topic, String group, IntSupplier inFlight) {
            }
        };
    }
}
