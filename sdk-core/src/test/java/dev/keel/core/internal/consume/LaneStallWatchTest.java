package dev.keel.core.internal.consume;

import dev.keel.core.internal.ManualClock;
import dev.keel.core.internal.RecordingLogger;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** A stalled lane is logged once per episode, with its lane, topic, group and duration, and once when it moves. */
class LaneStallWatchTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final ManualClock clock = new ManualClock();
    private final RecordingLogger log = new RecordingLogger();
    private final AtomicInteger stallsCounted = new AtomicInteger();
    private final MetricsRecorder metrics = new MetricsRecorder() {
        @Override
        public void count(MetricEvent event, String topic, String group) {
            if (event == MetricEvent.LANE_STALLED) {
                stallsCounted.incrementAndGet();
            }
        }

        @Override
        public void handlerLatency(String topic, String group, Duration latency, boolean success) {
        }

        @Override
        public void inFlight(String topic, String group, IntSupplier inFlight) {
        }
    };

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
    }

    @Test
    void aLaneHeldLongerThanTheThresholdShouldBeLoggedOnceAndItsRecoveryOnce() {
        KeyOrderedExecutor lanes = new KeyOrderedExecutor(4, pool, clock);
        LaneStallWatch watch = new LaneStallWatch(lanes, clock, metrics, "orders", "billing", log);
        CompletableFuture<Void> blocked = new CompletableFuture<>();
        int lane = 0; // the first free lane
        lanes.submit("k", () -> blocked);
        await().atMost(Duration.ofSeconds(10)).until(() -> lanes.heldSince(lane) >= 0);

        clock.advance(LaneStallWatch.STALL_AFTER.minusSeconds(1));
        watch.check();
        assertThat(log.lines()).as("not stalled before the threshold").isEmpty();
        assertThat(watch.stalledLanes()).isZero();

        for (int i = 0; i < 10; i++) { // a long stall, checked every tick
            clock.advance(Duration.ofSeconds(2));
            watch.check();
        }
        assertThat(log.lines(Level.WARN)).as("one WARN per stall episode").containsExactly("WARN lane " + lane
                + " of the subscription to orders for group billing has been held by one message for 31 s (a slow or "
                + "blocked handler, or long retries or dead-lettering): the later messages of its key wait behind it, "
                + "and the other keys have one lane fewer; logged once, until it moves again");
        assertThat(stallsCounted).hasValue(1);
        assertThat(watch.stalledLanes()).isEqualTo(1);

        blocked.complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> lanes.heldSince(lane) < 0);
        watch.check();
        watch.check();
        assertThat(log.lines(Level.INFO)).containsExactly("INFO lane " + lane
                + " of the subscription to orders for group billing moves again after a stall of 49 s");
        assertThat(watch.stalledLanes()).isZero();
        assertThat(log.lines(Level.WARN)).hasSize(1);
    }

    @Test
    void aLaneMovingToAnotherSlowMessageShouldEndTheEpisodeAndStartANewOne() {
        KeyOrderedExecutor lanes = new KeyOrderedExecutor(1, pool, clock);
        LaneStallWatch watch = new LaneStallWatch(lanes, clock, metrics, "orders", "billing", log);
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> second = new CompletableFuture<>();
        lanes.submit("a", () -> first);
        lanes.submit("b", () -> second);
        await().atMost(Duration.ofSeconds(10)).until(() -> lanes.started(0) == 1);
        clock.advance(LaneStallWatch.STALL_AFTER);
        watch.check();
        first.complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> lanes.started(0) == 2);
        watch.check();
        assertThat(log.lines(Level.INFO)).hasSize(1);
        assertThat(watch.stalledLanes()).as("the next message only just started").isZero();
        clock.advance(LaneStallWatch.STALL_AFTER);
        watch.check();
        assertThat(log.lines(Level.WARN)).hasSize(2);
        assertThat(stallsCounted).hasValue(2);
        second.complete(null);
    }

    @Test
    void busyLanesWithMessagesFinishingShouldNeverBeReportedStalled() {
        KeyOrderedExecutor lanes = new KeyOrderedExecutor(2, pool, clock);
        LaneStallWatch watch = new LaneStallWatch(lanes, clock, metrics, "orders", "billing", log);
        for (int i = 0; i < 20; i++) {
            CompletableFuture<Void> task = new CompletableFuture<>();
            lanes.submit("k", () -> task);
            long submitted = i + 1;
            // the lane picks it up on a pool thread: its clock starts then, so time passes only once it runs (a
            // pool thread lagging behind this loop would otherwise see the clock run on while it still held the
            // previous message)
            await().atMost(Duration.ofSeconds(10)).until(() -> lanes.started(0) + lanes.started(1) == submitted);
            clock.advance(Duration.ofSeconds(5)); // 100 s of work, none of it longer than 5 s
            watch.check();
            task.complete(null);
        }
        assertThat(log.lines()).isEmpty();
        assertThat(stallsCounted).hasValue(0);
    }

    @Test
    void aLaneHeldWhileTheStoreIsUnreachableShouldNotBeBlamedOnItsHandler() {
        KeyOrderedExecutor lanes = new KeyOrderedExecutor(4, pool, clock);
        LaneStallWatch watch = new LaneStallWatch(lanes, clock, metrics, "orders", "billing", log);
        CompletableFuture<Void> blocked = new CompletableFuture<>();
        lanes.submit("k", () -> blocked);
        await().atMost(Duration.ofSeconds(10)).until(() -> lanes.heldSince(0) >= 0);

        for (int i = 0; i < 30; i++) { // a minute paused for the store
            clock.advance(Duration.ofSeconds(2));
            watch.check(true);
        }
        clock.advance(LaneStallWatch.STALL_AFTER.minusSeconds(1));
        watch.check(false);
        assertThat(log.lines()).as("the pause is not the handler's stall").isEmpty();
        assertThat(stallsCounted).hasValue(0);
        blocked.complete(null);
    }
}
