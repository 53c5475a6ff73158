package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A forward that failed is retried after a short backoff wherever it is in its delay-topic partition, not once
 * every earlier record was forwarded (docs/kafka.md, "Delayed delivery"). The fault: the topic refuses records for a
 * while (its {@code message.timestamp.before.max.ms} set to 0), a refusal that ends when an operator sets it back.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDelayRetryTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The bound on the arrival after the fault heals: the longest retry backoff plus a produce, with room. */
    private static final Duration AFTER_HEALING = Duration.ofSeconds(30);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<KafkaAdapter> adapters = new ArrayList<>();
    private final List<BrokerConsumer> consumers = new ArrayList<>();
    private String topic;

    @BeforeEach
    void open() {
        topic = KafkaTestSupport.unique("retry");
    }

    @AfterEach
    void close() {
        consumers.forEach(c -> c.close().toCompletableFuture().join());
        adapters.forEach(KafkaAdapter::close);
    }

    @Test
    void aForwardThatFailedBehindALongDelayShouldBeRetriedSoonAfterTheTopicTakesItAgain() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaAdapter publishing = adapter(KafkaTestSupport.config(bootstrap));
        publish(publishing, "head", Duration.ofHours(1));
        RecordingSink sink = new RecordingSink();
        start(adapter(KafkaTestSupport.config(bootstrap)), sink);
        publish(publishing, "warm-up", Duration.ofMillis(100));
        await().atMost(WAIT).until(() -> sink.arrivals.containsKey("warm-up"));

        // the topic refuses every record stamped before the broker's clock (a forward is stamped when it is sent)
        KafkaTestSupport.alterTopic(bootstrap, topic, Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, "0"));
        publish(publishing, "behind", Duration.ofMillis(300));
        await().atMost(WAIT).until(() -> forwarderMetric("producer", "producer-metrics", "record-error-total") >= 1);
        KafkaTestSupport.alterTopic(bootstrap, topic, Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG,
                Long.toString(Long.MAX_VALUE)));
        long healed = System.currentTimeMillis();

        await().atMost(AFTER_HEALING).until(() -> sink.arrivals.containsKey("behind"));
        System.out.printf("the refused forward arrived %d ms after the topic took records again%n",
                sink.arrivals.get("behind") - healed);
        assertThat(sink.arrivals).doesNotContainKey("head");
    }

    /** The sum of a metric over this topic's forwarders' producers or consumers (JMX). */
    private double forwarderMetric(String client, String type, String attribute) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        double sum = 0;
        for (ObjectName name : server.queryNames(new ObjectName("kafka." + client + ":type=" + type + ",client-id=*"),
                null)) {
            if (name.getKeyProperty("client-id").contains("keel-delay-" + topic)) {
                sum += ((Number) server.getAttribute(name, attribute)).doubleValue();
            }
        }
        return sum;
    }

    /** Publishes a delayed record; returns when it is due (epoch millis). */
    private long publish(KafkaAdapter adapter, String id, Duration delay) {
        Instant due = Instant.now().plus(delay);
        adapter.producer().send(new OutboundRecord(topic, id, "k", Map.of(KeelHeaders.ID, id,
                KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli())), utf8(id), Instant.now(), due))
                .toCompletableFuture().join();
        return due.toEpochMilli();
    }

    private KafkaAdapter adapter(KafkaConfig.Builder config) {
        KafkaAdapter adapter = new KafkaAdapter(config.build());
        adapters.add(adapter);
        return adapter;
    }

    private void start(KafkaAdapter adapter, RecordingSink sink) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, KafkaTestSupport.unique("g"), 100,
                Duration.ofSeconds(5)));
        consumers.add(consumer);
        consumer.start(sink);
    }
}
