package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.TopologyException;
import dev.keel.kafka.internal.DelayTopics;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A delay topic keeps its records longer than the longest delay, whatever the broker's default retention or an
 * operator's setting (docs/kafka.md, "Limits"): a record deleted before it is due is a message lost. Before, a new
 * delay topic took the broker's default ({@code log.retention.hours}, often a day where the 6-day delays fit in 7)
 * and an existing one kept whatever it had.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDelayTopicRetentionTest {

    private static final long MIN_RETENTION = KafkaConfig.MAX_DELAY.plus(Duration.ofDays(1)).toMillis();

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("retention");
    private final KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void aNewDelayTopicShouldKeepItsRecordsLongerThanTheLongestDelay() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);

        publish("first", Duration.ofMinutes(5));

        assertThat(Long.parseLong(KafkaTestSupport.topicConfig(bootstrap, DelayTopics.delayTopic(topic),
                TopicConfig.RETENTION_MS_CONFIG))).isGreaterThanOrEqualTo(MIN_RETENTION);
    }

    @Test
    void anExistingDelayTopicWithAShortRetentionShouldBeRaisedAtTheFirstDelayedPublish() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaTestSupport.createTopic(bootstrap, DelayTopics.delayTopic(topic), 1,
                Map.of(TopicConfig.RETENTION_MS_CONFIG, "60000"));

        publish("first", Duration.ofMinutes(5));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(Long.parseLong(
                KafkaTestSupport.topicConfig(bootstrap, DelayTopics.delayTopic(topic),
                        TopicConfig.RETENTION_MS_CONFIG))).isGreaterThanOrEqualTo(MIN_RETENTION));
    }

    /** Set explicitly: the test broker's {@code log.retention.bytes} is -1 already, a production broker's may not be. */
    @Test
    void aNewDelayTopicShouldNotDeleteRecordsBySize() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);

        publish("first", Duration.ofMinutes(5));

        assertThat(KafkaTestSupport.topicConfig(bootstrap, DelayTopics.delayTopic(topic),
                TopicConfig.RETENTION_BYTES_CONFIG)).isEqualTo("-1");
    }

    @Test
    void anExistingDelayTopicWithASizeLimitShouldLoseItAtTheFirstDelayedPublish() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaTestSupport.createTopic(bootstrap, DelayTopics.delayTopic(topic), 1,
                Map.of(TopicConfig.RETENTION_BYTES_CONFIG, "1048576"));

        publish("first", Duration.ofMinutes(5));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(KafkaTestSupport.topicConfig(bootstrap,
                DelayTopics.delayTopic(topic), TopicConfig.RETENTION_BYTES_CONFIG)).isEqualTo("-1"));
    }

    @Test
    void aDelayedPublishToACompactedDelayTopicShouldFailWithATopologyExceptionSayingWhatToDo() throws Exception {
        // created by hand like its compacted topic: compaction would drop the waiting messages of a key but the last
        KafkaTestSupport.createTopic(bootstrap, topic, 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"));
        KafkaTestSupport.createTopic(bootstrap, DelayTopics.delayTopic(topic), 1,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"));

        Throwable failure = catchThrowable(() -> publish("first", Duration.ofMinutes(5)));

        assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(TopologyException.class)
                .hasMessageContaining(DelayTopics.delayTopic(topic)).hasMessageContaining("cleanup.policy=delete");
        assertThat(((TopologyException) failure.getCause()).isRetriable()).isFalse();
    }

    private void publish(String id, Duration delay) {
        Instant due = Instant.now().plus(delay);
        adapter.producer().send(new OutboundRecord(topic, id, "k", Map.of(KeelHeaders.ID, id,
                KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli())), utf8(id), Instant.now(), due))
                .toCompletableFuture().join();
    }
}
