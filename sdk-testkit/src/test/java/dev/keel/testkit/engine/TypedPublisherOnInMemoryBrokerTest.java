package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.ClosedException;
import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.UnroutableException;
import dev.keel.core.Keel;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code keel.publisher(topic, codec)} end to end: what reaches the broker, typed failures, closing. */
class TypedPublisherOnInMemoryBrokerTest {

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final Keel keel = Keel.builder(broker.connect()).build();

    @AfterEach
    void close() {
        keel.close();
        broker.close();
    }

    @Test
    void typedPublishShouldStoreTheEncodedValueWithItsKeyIdAndHeadersOnceConfirmed() {
        keel.ensureTopology(TopicSpec.builder("orders").partitions(4).group("billing").build());
        TypedPublisher<String> orders = keel.publisher("orders", Codec.utf8());

        PublishReceipt keyed = orders.publish("order-42", "{\"total\":12}");
        PublishReceipt detailed = orders.message("{\"total\":13}").id("order-43:created").key("order-43")
                .header("traceparent", "00-abc-01").publish();
        PublishReceipt async = orders.publishAsync("order-44", "{}").toCompletableFuture().join();

        List<StoredRecord> stored = broker.records("orders");
        assertThat(stored).hasSize(3);
        StoredRecord first = stored.stream().filter(r -> r.id().equals(keyed.messageId())).findFirst().orElseThrow();
        assertThat(new String(first.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"total\":12}");
        assertThat(first.key()).isEqualTo("order-42");
        assertThat(Integer.toString(first.partition())).isEqualTo(keyed.partition());
        assertThat(detailed.messageId()).isEqualTo("order-43:created");
        assertThat(stored).filteredOn(r -> r.id().equals("order-43:created")).singleElement()
                .satisfies(r -> assertThat(r.headers()).containsEntry("traceparent", "00-abc-01")
                        .containsEntry(KeelHeaders.KEY, "order-43"));
        assertThat(async.topic()).isEqualTo("orders");
    }

    @Test
    void typedPublishToAnUndeclaredTopicShouldThrowUnroutableExceptionItself() {
        TypedPublisher<String> nowhere = keel.publisher("never-declared", Codec.utf8());

        assertThatThrownBy(() -> nowhere.publish("k", "v")).isExactlyInstanceOf(UnroutableException.class);
    }

    @Test
    void closingKeelShouldCloseItsTypedPublishers() {
        keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("billing").build());
        TypedPublisher<byte[]> raw = keel.publisher("orders", Codec.bytes());
        raw.publish(new byte[] {1});

        keel.close();

        assertThatThrownBy(() -> raw.publish(new byte[] {2})).isInstanceOf(ClosedException.class);
        assertThat(raw.publishAsync(new byte[] {3})).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingRootCause().isInstanceOf(ClosedException.class);
        assertThatThrownBy(() -> keel.publisher("orders", Codec.utf8())).isInstanceOf(ClosedException.class);
        assertThat(broker.records("orders")).hasSize(1);
    }
}
