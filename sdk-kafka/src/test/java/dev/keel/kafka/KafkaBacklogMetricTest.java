package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricGauge;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * On Kafka a subscription reports its broker backlog: what waits on the broker (or in the client's
 * fetch buffer) beyond the messages it received. While its handler is blocked and its in-flight
 * limit reached, backlog and unacknowledged messages add up to what was published; once it drains,
 * both are 0.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaBacklogMetricTest {

    private static final int MESSAGES = 300;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void backlogAndUnacknowledgedShouldAddUpToWhatWasPublishedAndDrainToZero() throws Exception {
        Map<MetricGauge, IntSupplier> gauges = new ConcurrentHashMap<>();
        MetricsRecorder recorder = new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
            }

            @Override
            public void handlerLatency(String topic, String group, Duration latency, boolean success) {
            }

            @Override
            public void inFlight(String topic, String group, IntSupplier inFlight) {
            }

            @Override
            public void gauge(MetricGauge gauge, String topic, String group, IntSupplier value) {
                gauges.put(gauge, value);
            }
        };
        String topic = KafkaTestSupport.unique("backlog");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger handled = new AtomicInteger();
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers())
                .build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().metrics(recorder).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
            List<Message> messages = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                messages.add(Message.builder(("m" + i).getBytes()).id("m" + i).key("k" + i % 10).build());
            }
            keel.publisher().publishAll(topic, messages);

            keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.bytes())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).maxInFlight(10).lanes(1).build(), d -> {
                        release.await(60, TimeUnit.SECONDS);
                        handled.incrementAndGet();
                    });

            assertThat(gauges).containsKey(MetricGauge.BROKER_BACKLOG);
            IntSupplier backlog = gauges.get(MetricGauge.BROKER_BACKLOG);
            IntSupplier unacknowledged = gauges.get(MetricGauge.UNACKNOWLEDGED);
            await("a full subscription: what it holds and what waits on the broker add up").atMost(WAIT)
                    .until(() -> unacknowledged.getAsInt() > 0
                            && backlog.getAsInt() + unacknowledged.getAsInt() == MESSAGES);
            assertThat(backlog.getAsInt()).as("waiting on the broker").isGreaterThan(MESSAGES / 2);

            release.countDown();
            await("drained").atMost(WAIT).until(() -> handled.get() == MESSAGES && backlog.getAsInt() == 0
                    && unacknowledged.getAsInt() == 0);
        }
    }
}
