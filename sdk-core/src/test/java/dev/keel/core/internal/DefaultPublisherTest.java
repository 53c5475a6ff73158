package dev.keel.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelHeaders;
import dev.keel.KeelTimeoutException;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.UnroutableException;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The publish pipeline over a producer whose confirmations the test controls. */
class DefaultPublisherTest {

    /** A broker producer whose sends complete only when the test says so. */
    static final class HeldProducer implements BrokerProducer {
        final List<OutboundRecord> sent = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<PublishReceipt>> pending = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<PublishReceipt> send(OutboundRecord record) {
            sent.add(record);
            CompletableFuture<PublishReceipt> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        void confirm(int i) {
            OutboundRecord r = sent.get(i);
            pending.get(i).complete(new PublishReceipt(r.topic(), r.id(), "0", i));
        }

        void fail(int i, RuntimeException e) {
            pending.get(i).completeExceptionally(e);
        }

        @Override
        public void close() {
        }
    }

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final HeldProducer producer = new HeldProducer();

    @AfterEach
    void shutdown() {
        scheduler.shutdownNow();
    }

    private DefaultPublisher publisher(PublisherConfig config) {
        return new DefaultPublisher("test", () -> producer, config, scheduler, Clock.systemUTC(), MetricsRecorder.noop());
    }

    @Test
    void publishShouldCompleteOnlyWhenTheBrokerConfirms() {
        DefaultPublisher publisher = publisher(PublisherConfig.ofDefaults());
        CompletableFuture<PublishReceipt> result = publisher.publish("orders", Message.ofText("a")).toCompletableFuture();
        await().until(() -> producer.sent.size() == 1);
        assertThat(result).isNotDone();
        producer.confirm(0);
        assertThat(result).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void publishShouldAssignATimeOrderedIdAndWriteTheHeaderScheme() {
        DefaultPublisher publisher = publisher(PublisherConfig.ofDefaults());
        publisher.publish("orders", Message.builder("a".getBytes()).key("k1").header("traceparent", "00-abc").build());
        await().until(() -> producer.sent.size() == 1);
        OutboundRecord record = producer.sent.get(0);
        assertThat(record.id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(record.headers()).containsEntry(KeelHeaders.ID, record.id()).containsEntry(KeelHeaders.KEY, "k1")
                .containsEntry("traceparent", "00-abc").containsKey(KeelHeaders.TIMESTAMP);
    }

    @Test
    void retriableFailureShouldBeRetriedWithTheSameId() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().retryBackoff(Duration.ofMillis(10)).build());
        CompletableFuture<PublishReceipt> result = publisher.publish("orders",
                Message.builder("a".getBytes()).id("order-1").build()).toCompletableFuture();
        await().until(() -> producer.sent.size() == 1);
        producer.fail(0, new BrokerUnavailableException("connection lost", null));
        await().until(() -> producer.sent.size() == 2);
        producer.confirm(1);
        assertThat(result).succeedsWithin(Duration.ofSeconds(5));
        assertThat(producer.sent).extracting(OutboundRecord::id).containsExactly("order-1", "order-1");
    }

    @Test
    void nonRetriableFailureShouldFailTheFutureWithoutRetry() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().retryBackoff(Duration.ofMillis(10)).build());
        CompletableFuture<PublishReceipt> result = publisher.publish("orders", Message.ofText("a")).toCompletableFuture();
        await().until(() -> producer.sent.size() == 1);
        producer.fail(0, new UnroutableException("no such topic"));
        assertThat(result).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingRootCause()
                .isInstanceOf(UnroutableException.class);
        assertThat(producer.sent).hasSize(1);
    }

    @Test
    void anUnconfirmedPublishShouldTimeOut() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().timeout(Duration.ofMillis(200)).build());
        CompletableFuture<PublishReceipt> result = publisher.publish("orders", Message.ofText("a")).toCompletableFuture();
        assertThat(result).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingRootCause()
                .isInstanceOf(KeelTimeoutException.class).withMessageContaining("not confirmed within");
    }

    @Test
    void aFullWindowShouldMakeTheNextPublishWaitForRoom() throws Exception {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxInFlight(2).timeout(Duration.ofSeconds(30)).build());
        publisher.publish("orders", Message.ofText("1"));
        publisher.publish("orders", Message.ofText("2"));
        CompletableFuture<CompletableFuture<PublishReceipt>> third = new CompletableFuture<>();
        Thread caller = new Thread(() -> third.complete(publisher.publish("orders", Message.ofText("3")).toCompletableFuture()));
        caller.start();
        await().until(() -> caller.getState() == Thread.State.TIMED_WAITING);
        assertThat(third).as("the third publish waits while two are unconfirmed").isNotDone();
        assertThat(producer.sent).hasSize(2);
        producer.confirm(0);
        await().until(() -> producer.sent.size() == 3);
        producer.confirm(1);
        producer.confirm(2);
        assertThat(third.get(5, java.util.concurrent.TimeUnit.SECONDS)).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void repeatedBrokerFailuresShouldOpenTheBreakerAndFailFast() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxAttempts(1).minimumCalls(4)
                .failureRateThreshold(50).openDuration(Duration.ofMinutes(1)).build());
        for (int i = 0; i < 4; i++) {
            CompletableFuture<PublishReceipt> f = publisher.publish("orders", Message.ofText("x")).toCompletableFuture();
            int index = i;
            await().until(() -> producer.sent.size() == index + 1);
            producer.fail(i, new BrokerUnavailableException("down", null));
            assertThat(f).failsWithin(Duration.ofSeconds(5));
        }
        CompletableFuture<PublishReceipt> fast = publisher.publish("orders", Message.ofText("y")).toCompletableFuture();
        assertThat(fast).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                .isInstanceOf(BrokerUnavailableException.class).withMessageContaining("circuit breaker is open");
        assertThat(producer.sent).hasSize(4);
    }

    @Test
    void closeShouldLeaveNoFutureHangingAndRefuseNewPublishes() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().timeout(Duration.ofMillis(300)).build());
        CompletableFuture<PublishReceipt> confirmed = publisher.publish("orders", Message.ofText("1")).toCompletableFuture();
        CompletableFuture<PublishReceipt> never = publisher.publish("orders", Message.ofText("2")).toCompletableFuture();
        await().until(() -> producer.sent.size() == 2);
        producer.confirm(0);
        publisher.close();
        assertThat(confirmed).isCompleted();
        assertThat(never).isCompletedExceptionally();
        assertThat(publisher.publish("orders", Message.ofText("3")).toCompletableFuture())
                .failsWithin(Duration.ofSeconds(1)).withThrowableThat().havingRootCause().isInstanceOf(ClosedException.class);
    }

    @Test
    void publishAllShouldFailWithTheFirstFailure() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxAttempts(1).build());
        CompletableFuture<List<PublishReceipt>> all = publisher.publishAll("orders",
                List.of(Message.ofText("1"), Message.ofText("2"))).toCompletableFuture();
        await().until(() -> producer.sent.size() == 2);
        producer.confirm(0);
        producer.fail(1, new PublishException("nacked", null, false));
        assertThat(all).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingRootCause()
                .isInstanceOf(PublishException.class);
    }
}
