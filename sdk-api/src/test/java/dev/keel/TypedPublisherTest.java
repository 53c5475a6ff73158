package dev.keel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The typed publisher and the blocking forms, over a publisher whose answers the test chooses. */
class TypedPublisherTest {

    /** Records what is published and answers with {@link #answer}. */
    static final class RecordingPublisher implements Publisher {
        final List<String> topics = new CopyOnWriteArrayList<>();
        final List<Message> messages = new CopyOnWriteArrayList<>();
        volatile Function<Message, CompletionStage<PublishReceipt>> answer =
                m -> CompletableFuture.completedFuture(new PublishReceipt("orders", "id-" + m.key(), "0", 7));

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            topics.add(topic);
            messages.add(message);
            return answer.apply(message);
        }

        @Override
        public CompletionStage<List<PublishReceipt>> publishAllAsync(String topic, List<Message> messages) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Void> closeAsync() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    private final RecordingPublisher publisher = new RecordingPublisher();
    private final TypedPublisher<String> orders = TypedPublisher.of(publisher, "orders", Codec.utf8());

    @Test
    void keyedPublishShouldEncodeTheValueWithTheCodecAndReturnTheReceipt() {
        PublishReceipt receipt = orders.publish("order-42", "{\"total\":12}");

        assertThat(receipt.offset()).isEqualTo(7);
        assertThat(publisher.topics).containsExactly("orders");
        Message sent = publisher.messages.get(0);
        assertThat(sent.payload(Codec.utf8())).isEqualTo("{\"total\":12}");
        assertThat(sent.key()).isEqualTo("order-42");
        assertThat(sent.id()).as("left for the publisher to assign").isNull();
    }

    @Test
    void messageFormShouldCarryIdKeyHeadersAndTimestamp() {
        Instant at = Instant.parse("2030-01-02T03:04:05Z");
        orders.message("{}").id("order-42:created").key("order-42").header("traceparent", "00-abc")
                .header("tenant", "acme").timestamp(at).publish();
        orders.publishAsync("plain").toCompletableFuture().join();

        Message sent = publisher.messages.get(0);
        assertThat(sent.id()).isEqualTo("order-42:created");
        assertThat(sent.key()).isEqualTo("order-42");
        assertThat(sent.headers()).containsExactlyInAnyOrderEntriesOf(Map.of("traceparent", "00-abc", "tenant", "acme"));
        assertThat(sent.timestamp()).isEqualTo(at);
        assertThat(publisher.messages.get(1).key()).isNull();
        assertThat(publisher.messages.get(1).payload(Codec.utf8())).isEqualTo("plain");
    }

    @Test
    void blockingPublishShouldThrowTheTypedExceptionItselfEvenWhenTheStageWrapsIt() {
        publisher.answer = m -> CompletableFuture.<PublishReceipt>failedFuture(new UnroutableException("no group bound"))
                .thenApply(r -> r); // a dependent stage: its failure is a CompletionException around the cause

        assertThatThrownBy(() -> orders.publish("k", "v")).isExactlyInstanceOf(UnroutableException.class)
                .hasMessage("no group bound");
        assertThatThrownBy(() -> publisher.publish("orders", Message.ofText("v")))
                .isExactlyInstanceOf(UnroutableException.class);
        assertThat(orders.publishAsync("k", "v")).failsWithin(Duration.ofSeconds(1)).withThrowableThat()
                .havingRootCause().isInstanceOf(UnroutableException.class);
    }

    @Test
    void interruptWhileWaitingShouldThrowClosedExceptionAndKeepTheInterruptFlag() throws Exception {
        publisher.answer = m -> new CompletableFuture<>(); // never confirmed
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            thrown.complete(catchThrowable(() -> orders.publish("k", "v")));
            flagKept.complete(Thread.currentThread().isInterrupted());
        });
        caller.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> caller.getState() == Thread.State.WAITING);
        caller.interrupt();

        assertThat(thrown.get(5, TimeUnit.SECONDS)).isInstanceOf(ClosedException.class)
                .hasMessageContaining("interrupted").hasCauseInstanceOf(InterruptedException.class);
        assertThat(flagKept.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void invalidTopicShouldBeRejectedWhenTheTypedPublisherIsCreated() {
        assertThatThrownBy(() -> TypedPublisher.of(publisher, "orders with spaces", Codec.utf8()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic must be");
    }

    @Test
    void reservedHeaderOrBlankIdShouldFailBeforeAnythingIsSent() {
        assertThatThrownBy(() -> orders.message("v").header("keel-id", "x").publish())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved prefix");
        assertThatThrownBy(() -> orders.message("v").id(" ").publishAsync())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be blank");
        assertThatThrownBy(() -> orders.publish(null)).isInstanceOf(NullPointerException.class);
        assertThat(publisher.messages).isEmpty();
    }
}
