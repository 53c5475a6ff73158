package dev.keel.cli.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs the time-based faults of one round (every kind but crash and oversized): each starts once
 * the round has handled its planned number of deliveries and stops after its planned duration (a
 * lost-claim-reply stays armed until its replies are lost or the round ends). Faults of the
 * embedded broker itself run one at a time: a later one waits for the earlier one to end. Between
 * checks it calls {@code tick} (recovery tracking). {@link #finish()} stops whatever still runs.
 */
final class FaultDriver implements AutoCloseable {

    static final Duration TICK = Duration.ofMillis(10);

    /** When a fault ran; {@code -1}: not (yet). */
    static final class Run {
        private volatile long startedNanos = -1;
        private volatile long stoppedNanos = -1;

        boolean started() {
            return startedNanos >= 0;
        }

        /** How long it was on; {@code null} when it never started. */
        Duration lasted() {
            return startedNanos < 0 ? null : Duration.ofNanos(Math.max(0, stoppedNanos - startedNanos));
        }
    }

    private final FaultSwitches switches;
    private final LongSupplier handled;
    private final Runnable tick;
    private final Map<FaultPlan.Fault, Run> runs = new LinkedHashMap<>();
    private final List<FaultPlan.Fault> waiting = new ArrayList<>();
    private final List<FaultPlan.Fault> active = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * @param faults  the round's faults; crashes and oversized messages are left out here
     * @param handled deliveries the round has handled so far
     */
    FaultDriver(List<FaultPlan.Fault> faults, FaultSwitches switches, LongSupplier handled, Runnable tick) {
        this.switches = switches;
        this.handled = handled;
        this.tick = tick;
        for (FaultPlan.Fault f : faults) {
            if (f.kind() != FaultKind.CRASH && f.kind() != FaultKind.OVERSIZED) {
                waiting.add(f);
                runs.put(f, new Run());
            }
        }
        this.thread = new Thread(this::loop, "keel-verify-faults");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops the loop and every fault still on; returns when each fault ran, by fault. */
    Map<FaultPlan.Fault, Run> finish() {
        stopping = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            for (FaultPlan.Fault f : List.copyOf(active)) {
                stop(f);
            }
        }
        return Map.copyOf(runs);
    }

    private void loop() {
        while (!stopping) {
            step(System.nanoTime());
            tick.run();
            try {
                TimeUnit.NANOSECONDS.sleep(TICK.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private synchronized void step(long now) {
        for (FaultPlan.Fault f : List.copyOf(active)) {
            Run run = runs.get(f);
            if (!f.duration().isZero() && now - run.startedNanos >= f.duration().toNanos()) {
                stop(f);
            }
        }
        long done = handled.getAsLong();
        for (FaultPlan.Fault f : List.copyOf(waiting)) {
            if (done < f.at()) {
                continue;
            }
            if (FaultSwitches.isBrokerFault(f) && active.stream().anyMatch(FaultSwitches::isBrokerFault)) {
                continue;
            }
            waiting.remove(f);
            Run run = runs.get(f);
            run.startedNanos = System.nanoTime();
            switches.start(f);
            if (f.duration().isZero() && f.kind() != FaultKind.LOST_CLAIM_REPLY) {
                run.stoppedNanos = run.startedNanos;
            } else {
                active.add(f);
            }
        }
    }

    private void stop(FaultPlan.Fault f) {
        switches.stop(f);
        runs.get(f).stoppedNanos = System.nanoTime();
        active.remove(f);
    }

    @Override
    public void close() {
        if (!stopping) {
            finish();
        }
    }
}
