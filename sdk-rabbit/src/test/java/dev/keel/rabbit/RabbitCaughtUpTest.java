package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BrokerConsumer#caughtUp()} on RabbitMQ: a consumer whose lane queues held nothing (no ready message, no
 * consumer) when it began consuming them says so at once, and a read of them (a dead-letter listing, a re-drive) ends
 * then instead of waiting out its first wait (30 s by default: {@code keel dlq list} of a group without dead letters
 * took that long). Where a queue held messages, or another member consumed it, the consumer cannot tell which of
 * what it delivers was there before, and never says so.
 */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitCaughtUpTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().build());

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void aConsumerOfLaneQueuesThatHeldNothingShouldBeCaughtUpOnceStartedAndStaySoAsMessagesFollow() throws Exception {
        String topic = declare(2);
        RecordingSink sink = new RecordingSink(true);
        BrokerConsumer consumer = adapter.consumer(settings(topic));
        consumer.start(sink);
        assertThat(consumer.caughtUp()).as("caught up once started on queues that held nothing").isTrue();

        publish(topic, 3);
        await().atMost(WAIT).until(() -> sink.records().size() == 3);
        assertThat(consumer.caughtUp()).as("messages written since do not make it behind").isTrue();
        consumer.close().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aConsumerOfALaneQueueThatHeldAMessageShouldNeverSayItIsCaughtUp() throws Exception {
        String topic = declare(2);
        publish(topic, 1);
        RecordingSink sink = new RecordingSink(true);
        BrokerConsumer consumer = adapter.consumer(settings(topic));
        consumer.start(sink);
        assertThat(consumer.caughtUp()).as("caught up before the message that was there is handed over").isFalse();

        await().atMost(WAIT).until(() -> sink.records().size() == 1);
        assertThat(consumer.caughtUp()).as("a queue does not say which deliveries were there before").isFalse();
        consumer.close().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aSecondMemberShouldNotSayItIsCaughtUpNorTheFirstOnceItHandsALaneOver() throws Exception {
        String topic = declare(2);
        BrokerConsumer first = adapter.consumer(settings(topic));
        first.start(new RecordingSink(true));
        assertThat(first.caughtUp()).isTrue();

        try (RabbitAdapter otherProcess = new RabbitAdapter(RabbitTestSupport.config().build())) {
            BrokerConsumer second = otherProcess.consumer(settings(topic));
            second.start(new RecordingSink(true));
            assertThat(second.caughtUp()).as("the first member was consuming its lane queues").isFalse();
            // a balancing round of the first member hands one of the two lanes it is active on (it has delivered from
            // them) to the second: it no longer owns every partition of the topic
            await().atMost(WAIT).until(() -> {
                publish(topic, 2);
                return !first.caughtUp();
            });
            second.close().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        first.close().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private String declare(int lanes) {
        String topic = RabbitTestSupport.unique("caught-up");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(lanes).group("g").build());
        return topic;
    }

    private void publish(String topic, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            adapter.producer().send(Records.keyed(topic, "key-" + i, Integer.toString(i))).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static ConsumerSettings settings(String topic) {
        return new ConsumerSettings(topic, "g", 64, Duration.ofSeconds(5));
    }
}
