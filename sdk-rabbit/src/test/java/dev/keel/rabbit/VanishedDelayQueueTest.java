package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.UnroutableException;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.support.KeyHash;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A delayed publish to a delay queue that no longer exists (another process deleted the topic and declared it
 * again, or deleted the queue) is returned by RabbitMQ as unroutable before its ack: it fails as retriable, never
 * as confirmed, and the producer declares the queue again for the next attempt, which is stored.
 */
@UsesBrokers(BrokerKind.RABBIT)
class VanishedDelayQueueTest {

    private static final Duration DELAY = Duration.ofSeconds(30);

    private RabbitAdapter adapter;

    @BeforeEach
    void open() {
        adapter = new RabbitAdapter(RabbitTestSupport.config().build());
    }

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void aDelayedPublishToADelayQueueDeletedBehindTheProducersBackShouldFailRetriablyAndTheNextBeStored()
            throws Exception {
        String topic = RabbitTestSupport.unique("vanished-delay");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("billing").build());
        BrokerProducer producer = adapter.producer();
        producer.send(Records.delayed(topic, "first", "one-key", DELAY)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        String delayQueue = topic + ".keel-delay.0.30000";
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            assertThat(raw.ready(delayQueue)).isEqualTo(1);
            raw.channel().queueDelete(delayQueue);
        }

        Throwable refused = catchThrowable(() ->
                producer.send(Records.delayed(topic, "second", "one-key", DELAY)).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS));
        producer.send(Records.delayed(topic, "third", "one-key", DELAY)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);

        assertThat(refused).as("the publish to the deleted delay queue").isNotNull().cause()
                .isInstanceOf(BrokerUnavailableException.class).hasMessageContaining(delayQueue)
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isTrue());
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            assertThat(raw.ready(delayQueue)).as("the delay queue declared again, holding the next publish")
                    .isEqualTo(1);
        }
    }

    /**
     * The topic deleted and declared again by another process: the producer's retry declares the delay queue again,
     * and indexes it again, so that the next delete (by any process) finds it. Without the index entry the queue and
     * its messages outlived that delete and reached the topic declared after it.
     */
    @Test
    void aDelayQueueDeclaredAgainAfterAnotherProcessDeletedTheTopicShouldBeDeletedWithTheTopicNextTime()
            throws Exception {
        String topic = RabbitTestSupport.unique("redeclared-delay");
        TopicSpec spec = TopicSpec.builder(topic).partitions(1).group("billing").build();
        adapter.ensureTopology(spec);
        BrokerProducer producer = adapter.producer();
        producer.send(Records.delayed(topic, "first", "one-key", DELAY)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        try (RabbitAdapter other = new RabbitAdapter(RabbitTestSupport.config().build())) {
            other.deleteTopology(topic);
            other.ensureTopology(spec);
            catchThrowable(() -> producer.send(Records.delayed(topic, "second", "one-key", DELAY))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS)); // refused: the queue had gone (see above)
            producer.send(Records.delayed(topic, "third", "one-key", DELAY)).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);

            other.deleteTopology(topic);
        }
        assertThat(DeleteDelayedTopicTest.queuesOf(RabbitTestSupport.rabbit(), topic))
                .as("queues left after the second delete").isEmpty();
    }

    /**
     * The topic deleted and declared again by another process: a delay queue of a bucket this producer had recorded
     * before, for a partition it had not used yet (so nothing of its own was found gone), is recorded in the new
     * index too, and the next delete finds it (a review saw it left, and its message reach the topic declared after).
     */
    @Test
    void aNewPartitionsDelayQueueOfABucketUsedBeforeTheTopicWasDeclaredAgainShouldBeDeletedWithTheTopic()
            throws Exception {
        String topic = RabbitTestSupport.unique("new-lane-delay");
        TopicSpec spec = TopicSpec.builder(topic).partitions(2).group("billing").build();
        adapter.ensureTopology(spec);
        BrokerProducer producer = adapter.producer();
        producer.send(Records.delayed(topic, "first", keyOfPartition(0), DELAY)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        try (RabbitAdapter other = new RabbitAdapter(RabbitTestSupport.config().build())) {
            other.deleteTopology(topic);
            other.ensureTopology(spec);
            producer.send(Records.delayed(topic, "second", keyOfPartition(1), DELAY)).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);

            other.deleteTopology(topic);
        }
        assertThat(DeleteDelayedTopicTest.queuesOf(RabbitTestSupport.rabbit(), topic))
                .as("queues left after the second delete").isEmpty();
    }

    /**
     * A delayed publish to a topic another process deleted fails as unroutable, as an undelayed one does, and declares
     * nothing: a delay queue declared again would keep the message for a topic declared again under the name, or
     * drop it when it expires (a review saw such publishes succeed).
     */
    @Test
    void aDelayedPublishToATopicAnotherProcessDeletedShouldFailAsUnroutableAndDeclareNothing() throws Exception {
        String topic = RabbitTestSupport.unique("deleted-delay");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("billing").build());
        BrokerProducer producer = adapter.producer();
        producer.send(Records.delayed(topic, "first", "one-key", DELAY)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        try (RabbitAdapter other = new RabbitAdapter(RabbitTestSupport.config().build())) {
            other.deleteTopology(topic);
        }

        List<Throwable> failures = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) { // the first finds its delay queue gone, the next declare it
            failures.add(catchThrowable(() -> producer.send(Records.delayed(topic, "second", "one-key", DELAY))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS)));
        }

        assertThat(failures).as("each attempt").allSatisfy(failure -> assertThat(failure).isNotNull());
        assertThat(failures.get(2)).cause().isInstanceOf(UnroutableException.class)
                .hasMessageContaining("does not exist on RabbitMQ any more");
        assertThat(DeleteDelayedTopicTest.queuesOf(RabbitTestSupport.rabbit(), topic)).as("queues declared").isEmpty();
    }

    private static String keyOfPartition(int partition) {
        for (int i = 0; ; i++) {
            if (KeyHash.laneOf("key-" + i, 2) == partition) {
                return "key-" + i;
            }
        }
    }
}
