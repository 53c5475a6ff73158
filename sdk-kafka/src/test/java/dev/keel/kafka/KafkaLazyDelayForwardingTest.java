package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delay forwarder starts lazily (docs/kafka.md, "Delayed delivery"): a subscription creates no delay topic
 * and runs no forwarder until its topic's delay topic exists; then it forwards, whoever created it. Each
 * delivery test prints the first delayed message's lateness (a measurement for the docs, not asserted).
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaLazyDelayForwardingTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Longer than any test: a forwarder that starts proves the path under test, not the periodic check. */
    private static final Duration NEVER = Duration.ofMinutes(30);
    /** A delay shorter than a forwarder's start: the first message's lateness shows what a lazy start costs. */
    private static final Duration SHORT_DELAY = Duration.ofMillis(100);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<BrokerConsumer> consumers = new ArrayList<>();
    private final List<KafkaAdapter> adapters = new ArrayList<>();
    private String topic;

    @BeforeEach
    void open() {
        topic = KafkaTestSupport.unique("lazy");
    }

    @AfterEach
    void close() {
        consumers.forEach(c -> c.close().toCompletableFuture().join());
        adapters.forEach(KafkaAdapter::close);
    }

    @Test
    void subscribingShouldCreateNoDelayTopicAndRunNoForwarder() throws Exception {
        KafkaAdapter adapter = adapter(KafkaTestSupport.config(bootstrap));
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());

        start(adapter, new RecordingSink());

        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            assertThat(admin.listTopics().names().get()).contains(topic).doesNotContain(topic + ".keel-delay");
            assertThat(admin.listGroups().all().get()).map(GroupListing::groupId)
                    .doesNotContain("keel-delay-" + topic);
        }
    }

    @Test
    void aDelayedPublishThroughTheSameAdapterShouldStartItsSubscriptionsForwarderAtOnce() throws Exception {
        KafkaAdapter adapter = adapter(KafkaTestSupport.config(bootstrap).delayTopicCheckInterval(NEVER));
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        RecordingSink sink = new RecordingSink();
        BrokerConsumer consumer = start(adapter, sink);

        long due = publishDelayed(adapter, "same-1");

        await().atMost(WAIT).until(() -> sink.arrivals.containsKey("same-1"));
        assertOnTime(sink, "same-1", due, "same adapter");
        consumer.close().toCompletableFuture().join();
        adapter.deleteTopology(topic);
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            assertThat(admin.listTopics().names().get()).as("deleteTopology deletes the delay topic too")
                    .doesNotContain(topic, topic + ".keel-delay");
        }
    }

    @Test
    void aDelayedPublishThroughAnotherAdapterAfterTheSubscriptionStartedShouldBeDelivered() throws Exception {
        KafkaAdapter consuming = adapter(KafkaTestSupport.config(bootstrap)
                .delayTopicCheckInterval(Duration.ofSeconds(1)));
        KafkaAdapter publishing = adapter(KafkaTestSupport.config(bootstrap));
        consuming.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        RecordingSink sink = new RecordingSink();
        start(consuming, sink);

        long due = publishDelayed(publishing, "other-1");

        await().atMost(WAIT).until(() -> sink.arrivals.containsKey("other-1"));
        assertOnTime(sink, "other-1", due, "another adapter, check interval 1 s");
    }

    @Test
    void aSubscriptionShouldStartItsForwarderWhenTheDelayTopicExistsAlready() throws Exception {
        KafkaAdapter publishing = adapter(KafkaTestSupport.config(bootstrap));
        publishing.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        long due = publishDelayed(publishing, "before-1");
        KafkaAdapter consuming = adapter(KafkaTestSupport.config(bootstrap).delayTopicCheckInterval(NEVER));
        RecordingSink sink = new RecordingSink();

        start(consuming, sink);

        await().atMost(WAIT).until(() -> sink.arrivals.containsKey("before-1"));
        assertThat(sink.arrivals.get("before-1")).isGreaterThanOrEqualTo(due);
    }

    /** Publishes one record due {@link #SHORT_DELAY} from now; returns its due time (epoch millis). */
    private long publishDelayed(KafkaAdapter adapter, String id) {
        long start = System.currentTimeMillis();
        Instant due = Instant.ofEpochMilli(start).plus(SHORT_DELAY);
        adapter.producer().send(new OutboundRecord(topic, id, "key-1", Map.of(KeelHeaders.ID, id,
                KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli())), KafkaTestSupport.utf8(id), Instant.now(),
                due)).toCompletableFuture().join();
        System.out.printf("delayed publish of %s: %d ms%n", id, System.currentTimeMillis() - start);
        return due.toEpochMilli();
    }

    private static void assertOnTime(RecordingSink sink, String id, long due, String how) {
        long arrival = sink.arrivals.get(id);
        System.out.printf("first delayed message after a lazy start (%s): delay %d ms, lateness %d ms%n", how,
                SHORT_DELAY.toMillis(), arrival - due);
        assertThat(arrival).as("arrival of %s, due %d", id, due).isGreaterThanOrEqualTo(due);
    }

    private KafkaAdapter adapter(KafkaConfig.Builder config) {
        KafkaAdapter adapter = new KafkaAdapter(config.build());
        adapters.add(adapter);
        return adapter;
    }

    private BrokerConsumer start(KafkaAdapter adapter, RecordingSink sink) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, KafkaTestSupport.unique("g"), 100,
                Duration.ofSeconds(5)));
        consumers.add(consumer);
        consumer.start(sink);
        return consumer;
    }
}
