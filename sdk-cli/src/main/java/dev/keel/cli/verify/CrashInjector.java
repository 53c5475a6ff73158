package dev.keel.cli.verify;

import dev.keel.Subscription;
import dev.keel.spi.support.DaemonThreads;
import dev.keel.testkit.Crash;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Makes the consumer crash before it acks, at seeded random deliveries, and replaces it with a new
 * consumer in the same group on the same store ("generation" n+1), as a restarted process would.
 *
 * <p>A crash ({@link Crash#crash}) stops the subscription at once: it acks nothing more, its broker
 * consumer leaves the group committing only what was acknowledged before the crash, and everything
 * unacknowledged is redelivered to the next generation. Handlers of a crashed generation apply no
 * effect any more, as a dead process would not.
 *
 * <p>The one window {@link dev.keel.DeliveryGuarantee#EFFECTIVELY_ONCE} documents as not covered (a
 * crash after a handler's side effect and before its id is marked done re-runs the handler) is not
 * what verify tests: with dedup on, a crash waits until every effect already applied has been
 * marked done in the store. Crashes still hit messages claimed but not handled (their leases must
 * expire), handled and marked done but not acknowledged (they must be skipped on redelivery) and
 * poison messages being retried.
 */
final class CrashInjector implements AutoCloseable {

    static final Duration DEFAULT_DONE_WAIT = Duration.ofSeconds(10);
    static final Duration DEFAULT_ABORT_WAIT = Duration.ofSeconds(30);

    private final Object lock = new Object();
    private final SplittableRandom random;
    private final double rate;
    private final int maxCrashes;
    private final boolean waitForDone;
    private final IntFunction<Subscription> subscribe;
    private final Set<String> effectsNotDone = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final Map<Integer, CountDownLatch> abortedLatches = new ConcurrentHashMap<>();
    private final AtomicInteger notQuietCrashes = new AtomicInteger();
    private final ExecutorService crasher = Executors.newSingleThreadExecutor(DaemonThreads.named("keel-verify-crasher"));
    private int crashes;
    private int crashedGeneration = -1;
    private volatile int currentGeneration;

    /**
     * @param subscribe   starts the subscription of a generation, whose handler calls back into this
     * @param waitForDone true under dedup: crash only when every applied effect is marked done
     */
    CrashInjector(long seed, double rate, int maxCrashes, boolean waitForDone, IntFunction<Subscription> subscribe) {
        this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        this.rate = rate;
        this.maxCrashes = maxCrashes;
        this.waitForDone = waitForDone;
        this.subscribe = subscribe;
    }

    void start() {
        subscriptions.put(0, subscribe.apply(0));
    }

    /** Called first by the handler of {@code generation}; throws when that consumer is (now) crashed. */
    void beforeHandling(int generation) {
        boolean crashNow = false;
        boolean dead;
        synchronized (lock) {
            dead = generation <= crashedGeneration;
            if (!dead && crashes < maxCrashes && rate > 0 && random.nextDouble() < rate) {
                crashedGeneration = generation;
                crashes++;
                crashNow = true;
                dead = true;
            }
        }
        if (crashNow) {
            crasher.execute(() -> crash(generation));
        }
        if (dead) {
            dieQuietly(generation);
        }
    }

    /**
     * Called by the handler right before it applies the effect of {@code id}; throws when its
     * consumer crashed meanwhile. From here until {@link #settled} the id is "applied, not done".
     */
    void beforeEffect(int generation, String id) {
        synchronized (lock) {
            if (generation > crashedGeneration) {
                if (waitForDone) {
                    effectsNotDone.add(id);
                }
                return;
            }
        }
        dieQuietly(generation);
    }

    /** The store completed or released {@code id}: its effect is no longer in the window. */
    void settled(String id) {
        effectsNotDone.remove(id);
    }

    private final AtomicInteger crashed = new AtomicInteger();

    /** Crashes carried out. */
    int crashes() {
        return crashed.get();
    }

    /** Crashes that gave up waiting for every applied effect to be marked done (should be 0). */
    int notQuietCrashes() {
        return notQuietCrashes.get();
    }

    /** The live subscription (the latest generation). */
    Subscription current() {
        return subscriptions.get(currentGeneration);
    }

    private void crash(int generation) {
        long deadline = System.nanoTime() + DEFAULT_DONE_WAIT.toNanos();
        while (!effectsNotDone.isEmpty() && System.nanoTime() < deadline) {
            sleepBriefly();
        }
        if (!effectsNotDone.isEmpty()) {
            notQuietCrashes.incrementAndGet();
        }
        try {
            Crash.crash(subscriptions.get(generation)).toCompletableFuture()
                    .get(DEFAULT_ABORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // the next generation starts anyway: the group hands it the partitions once the old member is gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        latch(generation).countDown();
        subscriptions.put(generation + 1, subscribe.apply(generation + 1));
        currentGeneration = generation + 1;
        crashed.incrementAndGet();
    }

    private void dieQuietly(int generation) {
        try {
            latch(generation).await(DEFAULT_ABORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new SimulatedCrash(generation);
    }

    private CountDownLatch latch(int generation) {
        return abortedLatches.computeIfAbsent(generation, g -> new CountDownLatch(1));
    }

    private static void sleepBriefly() {
        try {
            TimeUnit.MILLISECONDS.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Injects no more crashes and waits until a crash in progress has started its replacement. */
    void quiesce() {
        synchronized (lock) {
            crashes = Math.max(crashes, maxCrashes);
        }
        crasher.shutdown();
        try {
            if (!crasher.awaitTermination(DEFAULT_DONE_WAIT.toMillis() * 2, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("a crash did not finish within " + DEFAULT_DONE_WAIT.multipliedBy(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        crasher.shutdownNow();
    }
}
