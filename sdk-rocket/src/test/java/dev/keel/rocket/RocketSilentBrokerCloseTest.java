package dev.keel.rocket;

import static dev.keel.rocket.RocketTestSupport.record;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.TopicSpec;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.rocket.internal.RocketReceiver;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.RocketEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Closing a consumer while its broker accepts connections but answers nothing (a frozen process, a network that drops
 * everything) is bounded by {@code closeTimeout}: before, each queue's final offset write waited out the client's 5 s
 * RPC timeout, one queue after the other, and the client's shutdown waited on the broker again.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketSilentBrokerCloseTest {

    private static final int QUEUES = 8;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
    /** Generous for a 2 s closeTimeout on a loaded machine, and far below the 8 x 5 s of one write per queue. */
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(12);

    private final RocketEndpoint rocket = Brokers.rocket();
    /** No periodic write before the broker freezes: what was acknowledged is left to the close. */
    private final RocketAdapter adapter = new RocketAdapter(RocketTestSupport.config()
            .commitInterval(Duration.ofHours(1)).closeTimeout(CLOSE_TIMEOUT).build());
    private final String topic = RocketTestSupport.unique("silent-close");

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void closingWhileTheBrokerAnswersNothingShouldEndWithinTheCloseTimeout() {
        assumeTrue(rocket.supportsFaults(), "this RocketMQ is not owned by the harness (KEEL_ROCKET_NAMESRV is set)");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(QUEUES).build());
        BrokerProducer producer = adapter.producer();
        for (int i = 0; i < 2 * QUEUES; i++) { // unkeyed: round-robin, two on each queue
            producer.send(record(topic, "m-" + i, null, "m-" + i)).toCompletableFuture().join();
        }
        RecordingSink sink = new RecordingSink();
        sink.ackAll(true);
        RocketReceiver receiver = (RocketReceiver) adapter.consumer(new ConsumerSettings(topic,
                RocketTestSupport.unique("g"), 1000, Duration.ofSeconds(5)));
        receiver.start(sink);
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.records.size() == 2 * QUEUES
                && receiver.ownedQueues().size() == QUEUES);

        rocket.pause();
        try {
            long start = System.nanoTime();
            CompletableFuture<Void> closed = receiver.close().toCompletableFuture();
            await("the close of a consumer of " + QUEUES + " queues, the broker frozen").atMost(CLOSE_BOUND)
                    .until(closed::isDone);
            System.out.printf("closed in %d ms with the broker frozen%n", (System.nanoTime() - start) / 1_000_000);
        } finally {
            rocket.resume();
        }
        await("the broker serves again").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> producer
                .send(record(topic, "after", null, "after")).toCompletableFuture().join() != null);
    }
}
