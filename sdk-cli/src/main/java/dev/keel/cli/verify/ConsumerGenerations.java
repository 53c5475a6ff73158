package dev.keel.cli.verify;

import dev.keel.Subscription;
import dev.keel.testkit.Crash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The consumers of a verify run, one "generation" at a time in the same group on the same store,
 * and the faults that replace them:
 *
 * <ul>
 *   <li><b>crash</b>: when the live consumer handles a crash target of the plan, before its effect or
 *       right after it (then the id is in the crash window: applied, not marked done), it is crashed
 *       ({@link Crash#crash}: it acks nothing more, its broker consumer leaves the group committing
 *       only what was acknowledged) and generation n+1 starts, as a restarted process would.
 *       Handlers of a crashed generation apply no effect any more, as a dead process would not.</li>
 *   <li><b>channel-close</b>: the broker drops the live consumer's session while its process lives
 *       on (the embedded broker's {@code crashMember}; on RabbitMQ the generation's own connection,
 *       through a proxy of its own, is reset); generation n+1 starts in its place. The old one lives
 *       on until the round ends: what its handlers were running finishes (its acks are lost with the
 *       session), and on RabbitMQ it reconnects as a member of the group.</li>
 * </ul>
 *
 * <p>Each disruption records the ids in its crash window and how long the run took to recover.
 */
final class ConsumerGenerations implements AutoCloseable {

    static final Duration DEFAULT_ABORT_WAIT = Duration.ofSeconds(30);

    /**
     * One generation's consumer: its subscription, what was opened for it alone (closed after it,
     * may be {@code null}) and how its broker session is dropped ({@code null}: by the broker's own
     * switch, given to {@link #dropSession}).
     */
    record Generation(Subscription subscription, AutoCloseable owned, Runnable dropSession) {

        /** A generation that is its subscription alone. */
        static Generation of(Subscription subscription) {
            return new Generation(subscription, null, null);
        }

        /** Closes with the subscription's own close timeout, as a shutdown hook does. */
        void closeGracefully() {
            subscription.close();
            closeOwned();
        }

        void close(Duration timeout) {
            subscription.close(timeout);
            closeOwned();
        }

        private void closeOwned() {
            if (owned != null) {
                try {
                    owned.close();
                } catch (Exception e) {
                    // the consumer is closed; what it owned goes with the run
                }
            }
        }
    }

    private final Object lock = new Object();
    private final IntFunction<Generation> subscribe;
    private final boolean trackWindow;
    private final Supplier<Set<String>> inFlight;
    private final Map<Integer, Generation> subscriptions = new ConcurrentHashMap<>();
    private final Set<Integer> dead = ConcurrentHashMap.newKeySet();
    private final Set<Integer> zombies = ConcurrentHashMap.newKeySet();
    private final Map<Integer, CountDownLatch> abortedLatches = new ConcurrentHashMap<>();
    private final Map<String, Integer> effectsNotDone = new ConcurrentHashMap<>();
    private final Map<String, String> keyOf = new ConcurrentHashMap<>();
    private final Map<String, FaultPlan.Fault> armed = new ConcurrentHashMap<>();
    private final List<ConsumerDisruption> disruptions = new CopyOnWriteArrayList<>();
    private final Set<FaultPlan.Fault> fired = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;
    private final ExecutorService switcher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "keel-verify-switcher");
        t.setDaemon(true);
        // a replacement cut short by close() (the run failed or was stopped) fails as it should: no stack trace
        Thread.UncaughtExceptionHandler printing = t.getUncaughtExceptionHandler();
        t.setUncaughtExceptionHandler((thread, e) -> {
            if (!closing) {
                printing.uncaughtException(thread, e);
            }
        });
        return t;
    });
    private final Duration stopTimeout;
    private volatile long slowHandlerMillis;
    private int current;
    private boolean switching;
    private int round;

    /**
     * @param subscribe   starts the subscription of a generation, whose handler calls back into this
     * @param trackWindow true under dedup: track the ids between their effect and being marked done
     * @param inFlight    the messages delivered and not yet accounted for, right now
     */
    ConsumerGenerations(IntFunction<Generation> subscribe, boolean trackWindow, Supplier<Set<String>> inFlight) {
        this(subscribe, trackWindow, inFlight, null);
    }

    /**
     * @param stopTimeout the close timeout of a graceful stop; {@code null}: the subscription's own
     *                    ({@code --unsafe-stop-timeout} shortens it on purpose)
     */
    ConsumerGenerations(IntFunction<Generation> subscribe, boolean trackWindow, Supplier<Set<String>> inFlight,
                        Duration stopTimeout) {
        this.subscribe = subscribe;
        this.trackWindow = trackWindow;
        this.inFlight = inFlight;
        this.stopTimeout = stopTimeout;
    }

    /** graceful-stop: every handler call takes {@code delay} from now on ({@link Duration#ZERO}: none). */
    void slowHandlers(Duration delay) {
        slowHandlerMillis = delay.toMillis();
    }

    /** How long the handler called now should take (its work, simulated), in milliseconds. */
    long handlerDelayMillis() {
        return slowHandlerMillis;
    }

    /**
     * graceful-stop: closes the live consumer as a SIGTERM's shutdown hook does ({@link Subscription#close}: nothing
     * buffered starts, running handlers finish and are acknowledged, the rest goes back to the broker), then starts
     * the next generation. No repeat is admitted for it: the disruption has no crash window.
     */
    void stopGracefully(FaultPlan.Fault fault) {
        switcher.execute(() -> {
            int generation;
            synchronized (lock) {
                if (switching) {
                    return; // another replacement is under way: this stop is not reached
                }
                generation = current;
                switching = true;
            }
            ConsumerDisruption disruption = new ConsumerDisruption(round, FaultKind.GRACEFUL_STOP, generation,
                    fault.describe(), System.nanoTime(), Map.of());
            disruption.inFlight(inFlight.get());
            disruptions.add(disruption);
            fired.add(fault);
            Generation live = subscriptions.remove(generation);
            if (live != null) {
                if (stopTimeout != null) {
                    live.close(stopTimeout);
                } else {
                    live.closeGracefully();
                }
            }
            next(generation);
        });
    }

    void start() {
        subscriptions.put(0, subscribe.apply(0));
    }

    /** Arms the crash targets of {@code round}, replacing those of the round before. */
    void arm(int round, List<FaultPlan.Fault> crashes) {
        synchronized (lock) {
            this.round = round;
            armed.clear();
            crashes.forEach(f -> armed.put(f.target(), f));
        }
    }

    /** Disarms the crash targets not hit. */
    void disarm() {
        synchronized (lock) {
            armed.clear();
        }
    }

    /** Whether {@code fault} (a crash or channel-close) was carried out. */
    boolean fired(FaultPlan.Fault fault) {
        return fired.contains(fault);
    }

    /** Called first by the handler of {@code generation}; throws when that consumer is (now) crashed. */
    void beforeHandling(int generation, String id) {
        if (dead.contains(generation) || tryCrash(generation, id, FaultPlan.BEFORE_EFFECT)) {
            dieQuietly(generation);
        }
    }

    /**
     * Called by the handler right before it applies the effect of {@code id}; throws when its consumer
     * crashed meanwhile. From here until {@link #settled} the id is in the crash window.
     */
    void beforeEffect(int generation, String id, String key) {
        synchronized (lock) {
            if (!dead.contains(generation)) {
                if (trackWindow) {
                    effectsNotDone.put(id, generation);
                    keyOf.put(id, key);
                }
                return;
            }
        }
        dieQuietly(generation);
    }

    /** Called by the handler right after the effect of {@code id}: a window crash target crashes now. */
    void afterEffect(int generation, String id) {
        if (tryCrash(generation, id, FaultPlan.IN_WINDOW)) {
            dieQuietly(generation);
        }
    }

    /** The store marked {@code id} done (or released it): its effect is out of the window. */
    void settled(String id) {
        if (trackWindow) {
            effectsNotDone.remove(id);
            keyOf.remove(id);
        }
    }

    /**
     * channel-close: runs {@code dropSession} (the broker drops the live consumer's session), or the
     * live generation's own when it is {@code null}, then starts the next generation; the old one lives
     * on until {@link #closeZombies}.
     */
    void dropSession(FaultPlan.Fault fault, Runnable dropSession) {
        switcher.execute(() -> {
            int generation;
            synchronized (lock) {
                generation = current;
                switching = true;
                zombies.add(generation);
            }
            ConsumerDisruption disruption = new ConsumerDisruption(round, FaultKind.CHANNEL_CLOSE, generation,
                    fault.describe(), System.nanoTime(), Map.of());
            disruption.inFlight(inFlight.get());
            disruptions.add(disruption);
            fired.add(fault);
            Generation live = subscriptions.get(generation);
            (dropSession != null ? dropSession : live.dropSession()).run();
            next(generation);
        });
    }

    /** Waits until every crash or session drop decided so far has been carried out (its successor started). */
    void quiesce() {
        CountDownLatch idle = new CountDownLatch(1);
        switcher.execute(idle::countDown);
        try {
            if (!idle.await(DEFAULT_ABORT_WAIT.toMillis() * 2, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("a consumer replacement did not finish within "
                        + DEFAULT_ABORT_WAIT.multipliedBy(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the consumers whose broker session was dropped (their handlers ran on until now). */
    void closeZombies(Duration timeout) {
        for (Integer generation : List.copyOf(zombies)) {
            Generation g = subscriptions.remove(generation);
            zombies.remove(generation);
            if (g != null) {
                g.close(timeout);
            }
        }
    }

    /** Updates the recovery of every disruption not recovered yet. */
    void updateRecovery(Predicate<String> accounted) {
        long now = System.nanoTime();
        for (ConsumerDisruption d : disruptions) {
            d.updateRecovery(accounted, now);
        }
    }

    List<ConsumerDisruption> disruptions() {
        return List.copyOf(disruptions);
    }

    /** Crashes carried out. */
    long crashes() {
        return disruptions.stream().filter(d -> d.kind() == FaultKind.CRASH).count();
    }

    /** The live subscription (the latest generation). */
    Subscription current() {
        synchronized (lock) {
            Generation g = subscriptions.get(current);
            return g == null ? null : g.subscription();
        }
    }

    private boolean tryCrash(int generation, String id, String flavor) {
        FaultPlan.Fault fault;
        Map<String, String> window = new HashMap<>();
        synchronized (lock) {
            fault = armed.get(id);
            if (fault == null || !fault.flavor().equals(flavor) || generation != current || switching
                    || dead.contains(generation) || zombies.contains(generation)) {
                return false;
            }
            armed.remove(id);
            switching = true;
            dead.add(generation);
            effectsNotDone.forEach((effectId, g) -> {
                String key = keyOf.get(effectId);
                // no key: settle() (not under the lock) is removing it right now: marked done, out of the window
                if (g == generation && key != null) {
                    window.put(effectId, key);
                }
            });
        }
        ConsumerDisruption disruption = new ConsumerDisruption(round, FaultKind.CRASH, generation,
                fault.describe(), System.nanoTime(), window);
        disruptions.add(disruption);
        fired.add(fault);
        switcher.execute(() -> {
            disruption.inFlight(inFlight.get());
            crash(generation);
        });
        return true;
    }

    private void crash(int generation) {
        Generation crashed = subscriptions.get(generation);
        try {
            Crash.crash(crashed.subscription()).toCompletableFuture()
                    .get(DEFAULT_ABORT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // the next generation starts anyway: the group hands it the partitions once the old member is gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        latch(generation).countDown();
        subscriptions.remove(generation);
        if (crashed.owned() != null) {
            try {
                crashed.owned().close(); // a crashed process's connections are gone too
            } catch (Exception e) {
                // nothing more to do for a crashed consumer
            }
        }
        next(generation);
    }

    private void next(int generation) {
        Generation next = subscribe.apply(generation + 1);
        subscriptions.put(generation + 1, next);
        synchronized (lock) {
            current = generation + 1;
            switching = false;
        }
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

    /** Closes every consumer still open. */
    void closeAll(Duration timeout) {
        quiesce();
        closeZombies(timeout);
        List<Generation> open = new ArrayList<>(subscriptions.values());
        subscriptions.clear();
        open.forEach(g -> g.close(timeout));
    }

    /**
     * Stops replacing consumers and closes those still open: after {@link #closeAll} none is; after a failure or a stop
     * by a signal the replacement under way finishes first (it would otherwise subscribe on a closed Keel, printing its
     * stack trace), and a consumer with clients of its own (channel-close) is closed before the run deletes its topics.
     */
    @Override
    public void close() {
        closing = true;
        switcher.shutdownNow();
        try {
            switcher.awaitTermination(VerifyRun.CLOSE_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Generation> open = new ArrayList<>(subscriptions.values());
        subscriptions.clear();
        open.forEach(g -> g.close(VerifyRun.CLOSE_TIMEOUT));
    }
}
