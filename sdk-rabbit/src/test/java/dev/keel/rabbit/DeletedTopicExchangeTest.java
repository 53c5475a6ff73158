package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.BrokerUnavailableException;
import dev.keel.SharedChannelClosedException;
import dev.keel.Codec;
import dev.keel.PublishReceipt;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicNotFoundException;
import dev.keel.TopicSpec;
import dev.keel.UnroutableException;
import dev.keel.core.Keel;
import dev.keel.rabbit.internal.Names;
import dev.keel.spi.BrokerProducer;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A topic whose exchange was deleted on the broker (by another tool, an operator) after this process used it: its
 * group queues and Keel's metadata queues may still be there, but nothing can reach it. A publish fails as
 * unroutable (not retriable), as for a topic never declared; a subscribe is refused with
 * {@link TopicNotFoundException}, even when the group's queues still exist; once the topic is declared again both
 * work.
 */
@UsesBrokers(BrokerKind.RABBIT)
class DeletedTopicExchangeTest {

    private final String topic = RabbitTestSupport.unique("vanished");
    private final String other = RabbitTestSupport.unique("unaffected");
    private RabbitAdapter adapter;
    private Keel keel;

    @BeforeEach
    void open() {
        adapter = new RabbitAdapter(RabbitTestSupport.config().channelPoolSize(1).build());
        keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        adapter.ensureTopology(TopicSpec.builder(other).partitions(2).group("g").build());
    }

    @AfterEach
    void close() {
        keel.close();
        adapter.close();
        adapter = new RabbitAdapter(RabbitTestSupport.config().build());
        adapter.deleteTopology(topic);
        adapter.deleteTopology(other);
        adapter.close();
    }

    @Test
    void publishingToATopicWhoseExchangeWasDeletedShouldFailAsUnroutableUntilItIsDeclaredAgain() throws Exception {
        keel.publisher(topic, Codec.utf8()).message("before").id("b1").key("k").publish(); // the exchange is known
        deleteExchange();

        for (int attempt = 1; attempt <= 3; attempt++) {
            Throwable refused = catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("after").id("a1")
                    .key("k").publish());
            assertThat(refused).as("attempt " + attempt).isInstanceOf(UnroutableException.class)
                    .hasMessageContaining(topic).hasMessageContaining("ensureTopology");
            assertThat(((KeelException) refused).isRetriable()).as("retriable, attempt " + attempt).isFalse();
        }
        keel.publisher(other, Codec.utf8()).message("elsewhere").key("k").publish(); // publishing goes on

        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        keel.publisher(topic, Codec.utf8()).message("declared again").id("a2").key("k").publish();
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            int ready = raw.ready(Names.laneQueue(topic, "g", 0)) + raw.ready(Names.laneQueue(topic, "g", 1));
            assertThat(ready).as("stored: before and declared again").isEqualTo(2);
        }
    }

    @Test
    void theOtherPublishesOfTheClosedChannelShouldFailRetriablyOrBeStored() throws Exception {
        BrokerProducer producer = adapter.producer(); // one channel: the refusal closes it under all of them
        producer.send(Records.keyed(topic, "k", "before")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        deleteExchange();

        List<CompletableFuture<PublishReceipt>> beside = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            beside.add(producer.send(Records.keyed(other, "k" + i, "m" + i)).toCompletableFuture());
        }
        CompletableFuture<PublishReceipt> refused = producer.send(Records.keyed(topic, "k", "after"))
                .toCompletableFuture();
        for (int i = 50; i < 100; i++) {
            beside.add(producer.send(Records.keyed(other, "k" + i, "m" + i)).toCompletableFuture());
        }

        assertThat(catchThrowable(() -> refused.get(30, TimeUnit.SECONDS))).cause()
                .isInstanceOf(UnroutableException.class).hasMessageContaining(topic);
        int confirmed = 0;
        for (CompletableFuture<PublishReceipt> f : beside) {
            try {
                f.get(30, TimeUnit.SECONDS);
                confirmed++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOfAny(SharedChannelClosedException.class,
                        BrokerUnavailableException.class);
                assertThat(((KeelException) e.getCause()).isRetriable()).isTrue();
            }
        }
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            int stored = raw.ready(Names.laneQueue(other, "g", 0)) + raw.ready(Names.laneQueue(other, "g", 1));
            assertThat(stored).as("stored, of %d reported stored", confirmed).isGreaterThanOrEqualTo(confirmed);
        }
    }

    @Test
    void subscribingToATopicWhoseExchangeWasDeletedShouldBeRefusedWhileItsGroupQueuesRemain() {
        Queue<String> got = new ConcurrentLinkedQueue<>();
        var first = keel.subscribe(subscription(), d -> got.add(d.payload()));
        keel.publisher(topic, Codec.utf8()).message("before").key("k").publish();
        await().atMost(60, TimeUnit.SECONDS).until(() -> got.contains("before"));
        first.close(); // stopped; the group's queues stay
        deleteExchange();

        int listed = keel.subscriptions().size();

        Throwable refused = catchThrowable(() -> keel.subscribe(subscription(), d -> got.add(d.payload())));

        assertThat(refused).isInstanceOf(TopicNotFoundException.class).hasMessageContaining(topic)
                .hasMessageContaining("ensureTopology");
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
        assertThat(keel.subscriptions()).as("subscriptions listed").hasSize(listed);

        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        keel.subscribe(subscription(), d -> got.add(d.payload()));
        keel.publisher(topic, Codec.utf8()).message("declared again").key("k").publish();
        await().atMost(60, TimeUnit.SECONDS).until(() -> got.contains("declared again"));
    }

    private void deleteExchange() {
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            raw.channel().exchangeDelete(Names.exchange(topic));
        } catch (Exception e) {
            throw new AssertionError("could not delete the exchange of " + topic, e);
        }
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, "g", Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }
}
