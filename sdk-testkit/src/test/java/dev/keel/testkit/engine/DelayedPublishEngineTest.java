package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.spi.Capability;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The engine's side of delayed delivery: the due time it computes, and the refusal without the capability. */
class DelayedPublishEngineTest {

    @Test
    void delayedPublishOnAnAdapterWithoutDelayedDeliveryShouldFailWithIllegalArgument() {
        try (InMemoryBroker broker = InMemoryBroker.create();
             Keel keel = Keel.builder(new OutOfProcessAdapter(broker.connect(), Capability.DELAYED_DELIVERY)).idempotencyStore(new InMemoryIdempotencyStore())
                     .build()) {
            keel.ensureTopology(TopicSpec.builder("t").build());
            Message delayed = Message.builder("x", Codec.utf8()).delay(Duration.ofSeconds(5)).build();

            assertThatThrownBy(() -> keel.publisher().publishAsync("t", delayed).toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class).cause()
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DELAYED_DELIVERY");
            assertThat(broker.records("t")).isEmpty();
            // a due time already past is an ordinary publish, also there
            Message past = Message.builder("y", Codec.utf8()).deliverAt(Instant.now().minusSeconds(1)).build();
            keel.publisher().publishAsync("t", past).toCompletableFuture().join();
            assertThat(broker.records("t")).singleElement()
                    .satisfies(r -> assertThat(r.headers()).doesNotContainKey(KeelHeaders.DELIVER_AT));
        }
    }

    @Test
    void aNegativeDelayShouldBeRefusedAtOnce() {
        Message.Builder builder = Message.builder("x", Codec.utf8());
        assertThatThrownBy(() -> builder.delay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    }

    @Test
    void theDueTimeShouldTravelAsAHeader() {
        // Keel's clock a minute behind: the due time is still ahead when the publish is made, however loaded the
        // machine (a due time already past is published undelayed, without the header)
        try (InMemoryBroker broker = InMemoryBroker.create();
             Keel keel = Keel.builder(broker.connect())
                     .clock(java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofMinutes(-1))).build()) {
            keel.ensureTopology(TopicSpec.builder("t").build());
            Instant due = Instant.now().plusMillis(200);
            keel.publisher().publishAsync("t", Message.builder("x", Codec.utf8()).deliverAt(due).build())
                    .toCompletableFuture().join();
            await().atMost(Duration.ofSeconds(30)).until(() -> !broker.records("t").isEmpty());
            StoredRecord stored = broker.records("t").get(0);
            assertThat(stored.headers()).containsEntry(KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli()));
        }
    }

    @Test
    void aTypedPublishShouldCarryItsDelay() {
        try (InMemoryBroker broker = InMemoryBroker.create();
             Keel keel = Keel.builder(broker.connect()).build()) {
            keel.ensureTopology(TopicSpec.builder("t").build());
            Instant before = Instant.now();

            PublishReceipt receipt = keel.publisher("t", Codec.utf8()).message("x").id("typed-1")
                    .delay(Duration.ofMillis(300)).publish();

            assertThat(receipt.partition()).isEqualTo("delayed");
            await().atMost(Duration.ofSeconds(30)).until(() -> !broker.records("t").isEmpty());
            long due = Long.parseLong(broker.records("t").get(0).headers().get(KeelHeaders.DELIVER_AT));
            assertThat(due).isGreaterThanOrEqualTo(before.plusMillis(300).toEpochMilli());
        }
    }
}
