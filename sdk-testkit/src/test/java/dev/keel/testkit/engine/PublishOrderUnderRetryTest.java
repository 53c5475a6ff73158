package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.BrokerUnavailableException;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-key order on publish when the engine retries: a retriable failure of m1 is sent again after
 * its backoff, by which time m2 of the same key, published concurrently, may be stored already.
 */
class PublishOrderUnderRetryTest {

    private static final String TOPIC = "orders";
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Long enough that m2 is surely sent before m1's retry, when nothing holds it back. */
    private static final Duration RETRY_BACKOFF = Duration.ofMillis(500);

    private final InMemoryBroker broker = InMemoryBroker.create();
    private Keel keel;

    @AfterEach
    void close() {
        if (keel != null) {
            keel.close();
        }
        broker.close();
    }

    private void start(PublisherConfig config) {
        keel = Keel.builder(broker.connect()).publisherConfig(config).build();
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group("g").build());
    }

    private CompletableFuture<PublishReceipt> publishAsync(String id, String key) {
        return keel.publisher().publishAsync(TOPIC, Message.builder(id.getBytes()).id(id).key(key).build())
                .toCompletableFuture();
    }

    @Test
    void concurrentPublishesOfOneKeyShouldBeReorderedByAnEngineRetryByDefault() {
        start(PublisherConfig.custom().retryBackoff(RETRY_BACKOFF).build());
        broker.faults().failNextPublishes(1, new BrokerUnavailableException("connection lost (injected)", null));

        CompletableFuture<PublishReceipt> m1 = publishAsync("m1", "k");
        CompletableFuture<PublishReceipt> m2 = publishAsync("m2", "k");

        assertThat(m1).succeedsWithin(PATIENCE);
        assertThat(m2).succeedsWithin(PATIENCE);
        assertThat(broker.records(TOPIC)).as("m1's retry lands after m2: the documented limit")
                .extracting(StoredRecord::id).containsExactly("m2", "m1");
    }

    @Test
    void aPublishMadeAfterThePreviousStageCompletedShouldKeepItsKeysOrderThroughAnEngineRetry() {
        start(PublisherConfig.custom().retryBackoff(RETRY_BACKOFF).build());
        broker.faults().failNextPublishes(1, new BrokerUnavailableException("connection lost (injected)", null));

        keel.publisher().publish(TOPIC, Message.builder("m1".getBytes()).id("m1").key("k").build());
        keel.publisher().publish(TOPIC, Message.builder("m2".getBytes()).id("m2").key("k").build());

        assertThat(broker.records(TOPIC)).extracting(StoredRecord::id).containsExactly("m1", "m2");
    }

    @Test
    void sequentialPerKeyShouldStoreConcurrentPublishesOfOneKeyInOrderThroughAnEngineRetry() {
        start(PublisherConfig.custom().retryBackoff(RETRY_BACKOFF).sequentialPerKey(true).build());
        broker.faults().failNextPublishes(1, new BrokerUnavailableException("connection lost (injected)", null));

        CompletableFuture<PublishReceipt> m1 = publishAsync("m1", "k");
        CompletableFuture<PublishReceipt> m2 = publishAsync("m2", "k");
        CompletableFuture<PublishReceipt> other = publishAsync("x1", "other-key");

        assertThat(m1).succeedsWithin(PATIENCE);
        assertThat(m2).succeedsWithin(PATIENCE);
        assertThat(other).succeedsWithin(PATIENCE);
        assertThat(broker.records(TOPIC)).as("m2 waits for m1's retry; another key does not")
                .extracting(StoredRecord::id).containsExactly("x1", "m1", "m2");
    }
}
