package dev.keel.core.internal.publish;

import dev.keel.core.internal.ManualClock;
import dev.keel.PublisherState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The publish pipeline over a producer whose confirmations the test controls. */
class DefaultPublisherTest {

    /** A broker producer whose sends complete only when the test says so. */
    static final class HeldProducer implements BrokerProducer {
        final List<OutboundRecord> sent = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<PublishReceipt>> pending = new CopyOnWriteArrayList<>();
        /** Sends not yet confirmed or failed, and the most there ever were at once. */
        final AtomicInteger outstanding = new AtomicInteger();
        final AtomicInteger maxOutstanding = new AtomicInteger();

        @Override
        public CompletionStage<PublishReceipt> send(OutboundRecord record) {
            CompletableFuture<PublishReceipt> f = new CompletableFuture<>();
            maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
            f.whenComplete((receipt, error) -> outstanding.decrementAndGet());
            pending.add(f);
            sent.add(record);
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
        return new DefaultPublisher("test", () -> producer, config, scheduler, Clock.systemUTC(), MetricsRecorder.noop(),
                true);
    }

    @Test
    void publishShouldCompleteOnlyWhenTheBrokerConfirms() {
        DefaultPublisher publisher = publisher(PublisherConfig.ofDefaults());
        CompletableFuture<PublishReceipt> result = publisher.publishAsync("orders", Message.ofText("a")).toCompletableFuture();
        await().until(() -> producer.sent.size() == 1);
        assertThat(result).isNotDone();
        producer.confirm(0);
        assertThat(result).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void publishShouldAssignATimeOrderedIdAndWriteTheHeaderScheme() {
        DefaultPublisher publisher = publisher(PublisherConfig.ofDefaults());
        publisher.publishAsync("orders", Message.builder("a".getBytes()).key("k1").header("traceparent", "00-abc").build());
        await().until(() -> producer.sent.size() == 1);
        OutboundRecord record = producer.sent.get(0);
        assertThat(record.id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(record.headers()).containsEntry(KeelHeaders.ID, record.id()).containsEntry(KeelHeaders.KEY, "k1")
                .containsEntry("traceparent", "00-abc").containsKey(KeelHeaders.TIMESTAMP);
    }

    @Test
    void retriableFailureShouldBeRetriedWithTheSameId() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().retryBackoff(Duration.ofMillis(10)).build());
        CompletableFuture<PublishReceipt> result = publisher.publishAsync("orders",
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
        CompletableFuture<PublishReceipt> result = publisher.publishAsync("orders", Message.ofText("a")).toCompletableFuture();
        await().until(() -> producer.sent.size() == 1);
        producer.fail(0, new UnroutableException("no such topic"));
        assertThat(result).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingRootCause()
                .isInstanceOf(UnroutableException.class);
        assertThat(producer.sent).hasSize(1);
    }

    @Test
    void anUnconfirmedPublishShouldTimeOut() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().timeout(Duration.ofMillis(200)).build());
        CompletableFuture<PublishReceipt> result = publisher.publishAsync("orders", Message.ofText("a")).toCompletableFuture();
        assertThat(result).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingRootCause()
                .isInstanceOf(KeelTimeoutException.class).withMessageContaining("not confirmed within");
    }

    @Test
    void publishesBehindOneConfirmedInTheMeantimeShouldStillTimeOutInTheirTurn() {
        // long enough that the second is confirmed before its deadline on a loaded machine (300 ms was not, at load 30)
        DefaultPublisher publisher = publisher(PublisherConfig.custom().timeout(Duration.ofSeconds(3)).build());
        CompletableFuture<PublishReceipt> first = publisher.publishAsync("orders", Message.ofText("1")).toCompletableFuture();
        CompletableFuture<PublishReceipt> second = publisher.publishAsync("orders", Message.ofText("2")).toCompletableFuture();
        CompletableFuture<PublishReceipt> third = publisher.publishAsync("orders", Message.ofText("3")).toCompletableFuture();
        await().until(() -> producer.sent.size() == 3);
        producer.confirm(1);

        assertThat(second).succeedsWithin(Duration.ofSeconds(5));
        for (CompletableFuture<PublishReceipt> unconfirmed : List.of(first, third)) {
            assertThat(unconfirmed).failsWithin(Duration.ofSeconds(30)).withThrowableThat().havingRootCause()
                    .isInstanceOf(KeelTimeoutException.class).withMessageContaining("not confirmed within");
        }
    }

    @Test
    void aFullWindowShouldMakeTheNextPublishWaitForRoom() throws Exception {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxInFlight(2).timeout(Duration.ofSeconds(30)).build());
        publisher.publishAsync("orders", Message.ofText("1"));
        publisher.publishAsync("orders", Message.ofText("2"));
        CompletableFuture<CompletableFuture<PublishReceipt>> third = new CompletableFuture<>();
        Thread caller = new Thread(() -> third.complete(publisher.publishAsync("orders", Message.ofText("3")).toCompletableFuture()));
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
            CompletableFuture<PublishReceipt> f = publisher.publishAsync("orders", Message.ofText("x")).toCompletableFuture();
            int index = i;
            await().until(() -> producer.sent.size() == index + 1);
            producer.fail(i, new BrokerUnavailableException("down", null));
            assertThat(f).failsWithin(Duration.ofSeconds(5));
        }
        CompletableFuture<PublishReceipt> fast = publisher.publishAsync("orders", Message.ofText("y")).toCompletableFuture();
        assertThat(fast).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                .isInstanceOf(BrokerUnavailableException.class).withMessageContaining("circuit breaker is open");
        assertThat(producer.sent).hasSize(4);
    }

    @Test
    void aRetryTheOpenBreakerRefusesShouldCarryWhatTheBrokerSaidBefore() {
        // the backoff outlasts the two failures below: both retries find the breaker open
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxAttempts(3).minimumCalls(2)
                .failureRateThreshold(50).retryBackoff(Duration.ofMillis(500)).openDuration(Duration.ofMinutes(1)).build());
        CompletableFuture<PublishReceipt> first = publisher.publishAsync("orders", Message.ofText("1")).toCompletableFuture();
        CompletableFuture<PublishReceipt> second = publisher.publishAsync("orders", Message.ofText("2")).toCompletableFuture();
        await().until(() -> producer.sent.size() == 2);
        producer.fail(0, new PublishException("RabbitMQ refused the message (nack)", null, true));
        producer.fail(1, new BrokerUnavailableException("connection to node-1 lost", null));

        assertThat(first).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                .isInstanceOf(BrokerUnavailableException.class).withMessageContaining("circuit breaker is open")
                .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage)
                        .containsExactly("RabbitMQ refused the message (nack)"));
        assertThat(second).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage)
                        .containsExactly("connection to node-1 lost"));
        assertThat(producer.sent).as("no retry reached the broker").hasSize(2);
    }

    @Test
    void stateShouldSayCircuitOpenOnceFailuresOpenedTheBreakerThenHalfOpenAfterItsOpenDuration() {
        ManualClock moving = new ManualClock();
        DefaultPublisher publisher = new DefaultPublisher("test", () -> producer, PublisherConfig.custom()
                .maxAttempts(1).minimumCalls(4).failureRateThreshold(50).openDuration(Duration.ofMinutes(1)).build(),
                scheduler, moving, MetricsRecorder.noop(), true);
        assertThat(publisher.state()).isEqualTo(PublisherState.ACCEPTING);
        for (int i = 0; i < 4; i++) {
            CompletableFuture<PublishReceipt> f = publisher.publishAsync("orders", Message.ofText("x")).toCompletableFuture();
            int index = i;
            await().until(() -> producer.sent.size() == index + 1);
            producer.fail(i, new BrokerUnavailableException("down", null));
            assertThat(f).failsWithin(Duration.ofSeconds(5));
        }
        assertThat(publisher.state()).isEqualTo(PublisherState.CIRCUIT_OPEN);
        moving.advance(Duration.ofSeconds(59));
        assertThat(publisher.state()).isEqualTo(PublisherState.CIRCUIT_OPEN);
        moving.advance(Duration.ofSeconds(2));
        assertThat(publisher.state()).isEqualTo(PublisherState.CIRCUIT_HALF_OPEN);
    }

    /**
     * A timed-out publish's callback runs in the thread that times it out; one that waits for what the close does
     * (in review, a callback calling Keel, whose lock the close held) must not hold the close: the sweep held its lock
     * while it ran the callback, and the close waited for that lock, for good.
     */
    @Test
    void aTimedOutPublishsCallbackThatWaitsForTheCloseShouldNotHoldTheClose() throws Exception {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().timeout(Duration.ofMillis(200)).build());
        CountDownLatch timedOut = new CountDownLatch(1);
        CountDownLatch closeReturned = new CountDownLatch(1);
        publisher.publishAsync("orders", Message.ofText("1")).whenComplete((receipt, error) -> {
            timedOut.countDown();
            try {
                closeReturned.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(timedOut.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(publisher::close);
        try {
            assertThat(closing).succeedsWithin(Duration.ofSeconds(10));
        } finally {
            closeReturned.countDown();
        }
    }

    @Test
    void closeShouldLeaveNoFutureHangingAndRefuseNewPublishes() {
        // the timeout bounds how long close waits for the unconfirmed one; it must also outlast the moment between
        // the first publish and its confirmation below, which a loaded machine can stretch past a few hundred ms
        DefaultPublisher publisher = publisher(PublisherConfig.custom().timeout(Duration.ofSeconds(3)).build());
        CompletableFuture<PublishReceipt> confirmed = publisher.publishAsync("orders", Message.ofText("1")).toCompletableFuture();
        CompletableFuture<PublishReceipt> never = publisher.publishAsync("orders", Message.ofText("2")).toCompletableFuture();
        await().until(() -> producer.sent.size() == 2);
        producer.confirm(0);
        publisher.close();
        assertThat(confirmed).isCompleted();
        assertThat(never).isCompletedExceptionally();
        assertThat(publisher.publishAsync("orders", Message.ofText("3")).toCompletableFuture())
                .failsWithin(Duration.ofSeconds(1)).withThrowableThat().havingRootCause().isInstanceOf(ClosedException.class);
    }

    @Test
    void publishAllShouldFailWithTheFirstFailure() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxAttempts(1).build());
        CompletableFuture<List<PublishReceipt>> all = publisher.publishAllAsync("orders",
                List.of(Message.ofText("1"), Message.ofText("2"))).toCompletableFuture();
        await().until(() -> producer.sent.size() == 2);
        producer.confirm(0);
        producer.fail(1, new PublishException("nacked", null, false));
        assertThat(all).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingRootCause()
                .isInstanceOf(PublishException.class);
    }

    @Test
    void blockingPublishShouldReturnTheReceiptOnlyOnceTheBrokerConfirms() throws Exception {
        DefaultPublisher publisher = publisher(PublisherConfig.ofDefaults());
        CompletableFuture<PublishReceipt> result = CompletableFuture.supplyAsync(
                () -> publisher.publish("orders", Message.builder("a".getBytes()).id("order-1").build()));
        await().until(() -> producer.sent.size() == 1);
        assertThat(result).as("blocks while unconfirmed").isNotDone();
        producer.confirm(0);
        assertThat(result.get(5, TimeUnit.SECONDS).messageId()).isEqualTo("order-1");
    }

    @Test
    void blockingPublishShouldThrowTheTypedExceptionItselfNotAWrapper() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxAttempts(1).build());
        CompletableFuture<Throwable> thrown = CompletableFuture.supplyAsync(
                () -> catchThrowable(() -> publisher.publish("orders", Message.ofText("a"))));
        await().until(() -> producer.sent.size() == 1);
        producer.fail(0, new UnroutableException("no queue bound"));
        assertThat(thrown).succeedsWithin(Duration.ofSeconds(5)).isInstanceOf(UnroutableException.class)
                .extracting(Throwable::getMessage).isEqualTo("no queue bound");
    }

    @Test
    void blockingPublishAllShouldThrowTheFirstTypedFailure() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxAttempts(1).build());
        CompletableFuture<Throwable> thrown = CompletableFuture.supplyAsync(() -> catchThrowable(
                () -> publisher.publishAll("orders", List.of(Message.ofText("1"), Message.ofText("2")))));
        await().until(() -> producer.sent.size() == 2);
        producer.confirm(0);
        producer.fail(1, new PublishException("nacked", null, false));
        assertThat(thrown).succeedsWithin(Duration.ofSeconds(5)).isInstanceOf(PublishException.class);
    }

    @Test
    void blockingPublishIntoAWindowThatStaysFullShouldThrowKeelTimeoutExceptionWithoutSending() throws Exception {
        // room frees when a publish is confirmed or times out; a stalled scheduler keeps the first one from timing out
        ScheduledExecutorService stalled = Executors.newSingleThreadScheduledExecutor();
        CountDownLatch stall = new CountDownLatch(1);
        stalled.execute(() -> {
            try {
                stall.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            DefaultPublisher publisher = new DefaultPublisher("test", () -> producer, PublisherConfig.custom()
                    .maxInFlight(1).timeout(Duration.ofMillis(300)).build(), stalled, Clock.systemUTC(),
                    MetricsRecorder.noop(), true);
            publisher.publishAsync("orders", Message.ofText("1"));
            await().until(() -> producer.sent.size() == 1);

            assertThatThrownBy(() -> publisher.publish("orders", Message.ofText("2")))
                    .isInstanceOf(KeelTimeoutException.class).hasMessageContaining("publish window of 1");
            assertThat(producer.sent).as("the second message was never sent").hasSize(1);
        } finally {
            stall.countDown();
            stalled.shutdownNow();
        }
    }

    @Test
    void interruptedBlockingPublishShouldThrowClosedExceptionAndKeepTheInterruptFlag() throws Exception {
        DefaultPublisher publisher = publisher(PublisherConfig.ofDefaults());
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            thrown.complete(catchThrowable(() -> publisher.publish("orders", Message.ofText("a"))));
            flagKept.complete(Thread.currentThread().isInterrupted());
        });
        caller.start();
        await().until(() -> producer.sent.size() == 1 && caller.getState() == Thread.State.WAITING);
        caller.interrupt();
        assertThat(thrown).succeedsWithin(Duration.ofSeconds(5)).isInstanceOf(ClosedException.class)
                .extracting(Throwable::getMessage).asString().contains("interrupted", "same id");
        assertThat(flagKept.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void timedOutPublishesShouldKeepTheirWindowSlotsUntilTheirSendsFinishSoSendsAtTheBrokerStayBounded()
            throws Exception {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxInFlight(10)
                .timeout(Duration.ofMillis(100)).build());
        ExecutorService callers = Executors.newFixedThreadPool(20);
        try {
            List<Future<CompletableFuture<PublishReceipt>>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String text = "m" + i;
                calls.add(callers.submit(() -> publisher.publishAsync("orders", Message.ofText(text))
                        .toCompletableFuture()));
            }
            for (Future<CompletableFuture<PublishReceipt>> call : calls) {
                assertThat(call.get(30, TimeUnit.SECONDS)).failsWithin(Duration.ofSeconds(30)).withThrowableThat()
                        .havingRootCause().isInstanceOf(KeelTimeoutException.class);
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(producer.maxOutstanding.get()).as("sends outstanding at the broker at once, all confirms held")
                .isLessThanOrEqualTo(10);
        assertThat(producer.sent).as("publishes sent").hasSize(10);

        for (int i = 0; i < producer.sent.size(); i++) {
            producer.confirm(i);
        }
        publisher.publishAsync("orders", Message.builder("n".getBytes()).id("next").build());
        await().until(() -> producer.sent.size() == 11);
        assertThat(producer.sent.get(10).id()).as("room frees once the timed-out sends finished").isEqualTo("next");
    }

    @Test
    void aTimedOutPublishShouldStopItsRetriesAndFreeItsSlotWhenNoAttemptIsOutstanding() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().maxInFlight(1).timeout(Duration.ofMillis(200))
                .maxAttempts(5).retryBackoff(Duration.ofSeconds(1)).build());
        CompletableFuture<PublishReceipt> first = publisher.publishAsync("orders",
                Message.builder("a".getBytes()).id("first").build()).toCompletableFuture();
        await().until(() -> producer.sent.size() == 1);
        producer.fail(0, new BrokerUnavailableException("connection lost", null));
        assertThat(first).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingRootCause()
                .isInstanceOf(KeelTimeoutException.class);

        publisher.publishAsync("orders", Message.builder("b".getBytes()).id("second").build());
        await("the only slot is free again").until(() -> producer.sent.size() == 2);
        // the abandoned retry of "first" was due 1 s after its failure: it must never start
        await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(5)).until(() -> producer.sent.size() == 2);
        assertThat(producer.sent).extracting(OutboundRecord::id).containsExactly("first", "second");
    }

    @Test
    void sequentialPerKeyShouldSendAKeysNextPublishOnlyOnceThePreviousOneFinished() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().sequentialPerKey(true).build());
        CompletableFuture<PublishReceipt> m1 = publisher.publishAsync("orders",
                Message.builder("1".getBytes()).id("m1").key("k").build()).toCompletableFuture();
        CompletableFuture<PublishReceipt> m2 = publisher.publishAsync("orders",
                Message.builder("2".getBytes()).id("m2").key("k").build()).toCompletableFuture();
        CompletableFuture<PublishReceipt> other = publisher.publishAsync("orders",
                Message.builder("x".getBytes()).id("x").key("j").build()).toCompletableFuture();
        CompletableFuture<PublishReceipt> keyless = publisher.publishAsync("orders",
                Message.builder("y".getBytes()).id("y").build()).toCompletableFuture();
        await().until(() -> producer.sent.size() == 3);
        assertThat(producer.sent).as("m2 waits for m1; other keys and keyless messages do not")
                .extracting(OutboundRecord::id).containsExactly("m1", "x", "y");

        producer.confirm(0);
        await().until(() -> producer.sent.size() == 4);
        assertThat(producer.sent.get(3).id()).isEqualTo("m2");
        producer.confirm(1);
        producer.confirm(2);
        producer.confirm(3);
        assertThat(List.of(m1, m2, other, keyless)).allSatisfy(f -> assertThat(f).succeedsWithin(Duration.ofSeconds(5)));
    }

    @Test
    void sequentialPerKeyShouldNeverSendAPublishThatTimedOutWhileWaitingForTheOneBefore() {
        DefaultPublisher publisher = publisher(PublisherConfig.custom().sequentialPerKey(true)
                .timeout(Duration.ofSeconds(1)).build());
        CompletableFuture<PublishReceipt> m1 = publisher.publishAsync("orders",
                Message.builder("1".getBytes()).id("m1").key("k").build()).toCompletableFuture();
        CompletableFuture<PublishReceipt> m2 = publisher.publishAsync("orders",
                Message.builder("2".getBytes()).id("m2").key("k").build()).toCompletableFuture();
        assertThat(m1).failsWithin(Duration.ofSeconds(5));
        assertThat(m2).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingRootCause()
                .isInstanceOf(KeelTimeoutException.class);
        publisher.publishAsync("orders", Message.builder("3".getBytes()).id("m3").key("k").build());

        producer.confirm(0);
        await().until(() -> producer.sent.size() == 2);
        assertThat(producer.sent).as("m1 sent, m2 abandoned unsent, m3 after m1 finished")
                .extracting(OutboundRecord::id).containsExactly("m1", "m3");
    }
}
