package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
        producer.send(delayed(topic, "first")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        String delayQueue = topic + ".keel-delay.0.30000";
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            assertThat(raw.ready(delayQueue)).isEqualTo(1);
            raw.channel().queueDelete(delayQueue);
        }

        Throwable refused = catchThrowable(() ->
                producer.send(delayed(topic, "second")).toCompletableFuture().get(30, TimeUnit.SECONDS));
        producer.send(delayed(topic, "third")).toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(refused).as("the publish to the deleted delay queue").isNotNull().cause()
                .isInstanceOf(BrokerUnavailableException.class).hasMessageContaining(delayQueue)
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isTrue());
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            assertThat(raw.ready(delayQueue)).as("the delay queue declared again, holding the next publish")
                    .isEqualTo(1);
        }
    }

    private static OutboundRecord delayed(String topic, String id) {
        Instant now = Instant.now();
        return new OutboundRecord(topic, id, "one-key", Map.of(KeelHeaders.ID, id,
                KeelHeaders.TIMESTAMP, Long.toString(now.toEpochMilli())),
                id.getBytes(StandardCharsets.UTF_8), now, now.plus(DELAY));
    }
}
