package dev.keel.core.internal.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.NonRetriableException;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.InboundRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The retry decisions of a share-group subscription: attempts from the delivery count, backoff, then RELEASED. */
class SharedRetryStepTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService handlers = Executors.newFixedThreadPool(2);
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final StepContext context = new StepContext("g", new EngineContext(Clock.systemUTC(), scheduler,
            MetricsRecorder.noop()), new Delays(scheduler, handlers), stopped::get);

    @AfterEach
    void shutDown() {
        scheduler.shutdownNow();
        handlers.shutdownNow();
    }

    private static RetryPolicy policy(int maxAttempts, Duration backoff) {
        return RetryPolicy.custom().maxAttempts(maxAttempts).initialBackoff(backoff).maxBackoff(backoff).jitter(0)
                .build();
    }

    private static Work work(int deliveryCount, boolean releasable) {
        return work(deliveryCount, () -> releasable);
    }

    private static Work work(int deliveryCount, java.util.function.BooleanSupplier releasable) {
        return new Work(new InboundRecord("t", "0", 7, "id-7", null, Map.of(), new byte[0], Instant.EPOCH,
                deliveryCount, new InboundRecord.Acknowledger() {
                    @Override
                    public void ack() {
                    }

                    @Override
                    public void release() {
                    }

                    @Override
                    public boolean releasable() {
                        return releasable.getAsBoolean();
                    }
                }));
    }

    private static Step failing(AtomicInteger calls, RuntimeException failure) {
        return w -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(failure);
        };
    }

    private static Outcome outcome(CompletableFuture<Outcome> stage) throws Exception {
        return stage.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRetriableFailureShouldBeReleasedAfterItsBackoffWithTheDeliveryCountAsItsAttempt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Work work = work(2, true);
        long start = System.nanoTime();

        Outcome outcome = outcome(new SharedRetryStep(failing(calls, new IllegalStateException("down")),
                policy(5, Duration.ofMillis(300)), context).handle(work).toCompletableFuture());

        assertThat(outcome).isEqualTo(Outcome.RELEASED);
        assertThat(calls).as("one attempt per delivery: the broker delivers the next").hasValue(1);
        assertThat(work.attempt()).isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(work.laneFree()).as("the lane goes to other messages during the backoff").isDone();
    }

    @Test
    void theLastAttemptOfThePolicyShouldFailOnToTheDeadLetters() {
        AtomicInteger calls = new AtomicInteger();
        IllegalStateException failure = new IllegalStateException("down");

        CompletableFuture<Outcome> stage = new SharedRetryStep(failing(calls, failure), policy(3, Duration.ofMillis(1)),
                context).handle(work(3, true)).toCompletableFuture();

        assertThatThrownBy(() -> outcome(stage)).isInstanceOf(ExecutionException.class).hasCause(failure);
        assertThat(calls).hasValue(1);
    }

    @Test
    void theBrokersLastDeliveryShouldFailOnToTheDeadLettersEvenWithAttemptsLeft() {
        IllegalStateException failure = new IllegalStateException("down");

        CompletableFuture<Outcome> stage = new SharedRetryStep(failing(new AtomicInteger(), failure),
                policy(10, Duration.ofMillis(1)), context).handle(work(5, false)).toCompletableFuture();

        assertThatThrownBy(() -> outcome(stage)).isInstanceOf(ExecutionException.class).hasCause(failure);
    }

    /** The broker's delivery limit lowered during the backoff, so this delivery became the last: no hand-back. */
    @Test
    void aDeliveryThatBecameTheLastDuringItsBackoffShouldFailOnToTheDeadLettersUnreleased() {
        IllegalStateException failure = new IllegalStateException("down");
        AtomicBoolean releasable = new AtomicBoolean(true);
        Work work = work(2, releasable::get);
        CompletableFuture<Outcome> stage = new SharedRetryStep(failing(new AtomicInteger(), failure),
                policy(5, Duration.ofMillis(300)), context).handle(work).toCompletableFuture();

        releasable.set(false); // during the backoff

        assertThatThrownBy(() -> outcome(stage)).isInstanceOf(ExecutionException.class).hasCause(failure);
    }

    @Test
    void aFailureThePolicyDoesNotRetryShouldFailOnAtOnce() {
        NonRetriableException failure = new NonRetriableException("bad order");

        CompletableFuture<Outcome> stage = new SharedRetryStep(failing(new AtomicInteger(), failure),
                policy(5, Duration.ofSeconds(30)), context).handle(work(1, true)).toCompletableFuture();

        assertThatThrownBy(() -> outcome(stage)).isInstanceOf(ExecutionException.class).hasCause(failure);
    }

    @Test
    void aMessageGivenUpDuringItsBackoffShouldFailOnAtOnceUnreleased() {
        IllegalStateException failure = new IllegalStateException("down");
        Work work = work(1, true);
        CompletableFuture<Outcome> stage = new SharedRetryStep(failing(new AtomicInteger(), failure),
                policy(5, Duration.ofMinutes(5)), context).handle(work).toCompletableFuture();

        work.abandon();

        assertThatThrownBy(() -> outcome(stage)).isInstanceOf(ExecutionException.class).hasCause(failure);
    }

    @Test
    void aSuccessShouldPassThrough() throws Exception {
        Outcome outcome = outcome(new SharedRetryStep(w -> CompletableFuture.completedFuture(Outcome.HANDLED),
                policy(5, Duration.ofMillis(1)), context).handle(work(4, true)).toCompletableFuture());

        assertThat(outcome).isEqualTo(Outcome.HANDLED);
    }
}
