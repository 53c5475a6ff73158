package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one adapter's delay forwarders lazily: a subscription runs no forwarder (no clients, no
 * group) while its topic has no delay topic. A topic's delay topic is checked when a subscription
 * of it starts, at once when this adapter's publisher has made it ready ({@link #delayTopicReady}),
 * and otherwise every {@code interval}, for a delay topic another process creates. At most one
 * check per topic is in flight, the next is scheduled only after its answer, and checks stop once
 * the delay topic exists or no subscription of the topic waits, or Kafka refused a check (an
 * {@link AccessRefusedException}: the waiting subscriptions are told, {@link Waiter#refused}). Checks and
 * forwarder starts run on {@code scheduler}, whose thread only waits for its next task. Thread-safe.
 */
public final class DelayForwarding implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DelayForwarding.class);

    /** A subscription waiting for its topic's delay topic. */
    public interface Waiter {
        /** The subscription's topic (not its delay topic). */
        String topic();

        /** Called once the delay topic exists, on the scheduler's thread. */
        void startForwarder();

        /**
         * Called when Kafka refused the check of the delay topic (a login, an ACL: no Describe on it), on the
         * scheduler's thread: checking again cannot help, and without a forwarder delayed messages are never
         * delivered. The subscription fails with it.
         */
        void refused(AccessRefusedException refusal);
    }

    /** The subscriptions of one topic waiting for its delay topic, and the state of its checks. */
    private static final class Watch {
        final String topic;
        final Set<Waiter> waiting = new LinkedHashSet<>();
        ScheduledFuture<?> next;
        boolean checking;
        /** A reason to check again came while a check was in flight (its answer may predate it). */
        boolean again;

        Watch(String topic) {
            this.topic = topic;
        }
    }

    private final Function<String, CompletionStage<Boolean>> delayTopicExists;
    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    /** Guarded by {@code this}. */
    private final Map<String, Watch> watches = new HashMap<>();
    private boolean closed;

    /**
     * @param delayTopicExists answers whether the delay topic of the topic given exists
     * @param interval         the time between two checks of one topic
     * @param scheduler        runs the checks' answers and the forwarder starts; closed by {@link #close()}
     */
    public DelayForwarding(Function<String, CompletionStage<Boolean>> delayTopicExists, Duration interval,
                           ScheduledExecutorService scheduler) {
        this.delayTopicExists = delayTopicExists;
        this.interval = interval;
        this.scheduler = scheduler;
    }

    /** Starts {@code consumer}'s forwarder as soon as its topic's delay topic exists (checked now). */
    public synchronized void watch(Waiter consumer) {
        if (closed) {
            return;
        }
        Watch watch = watches.computeIfAbsent(consumer.topic(), Watch::new);
        watch.waiting.add(consumer);
        if (!watch.checking) {
            checkNow(watch); // else the answer in flight serves this subscription too
        }
    }

    /** {@code consumer} no longer waits (it closes); the last one of a topic ends its checks. */
    public synchronized void unwatch(Waiter consumer) {
        Watch watch = watches.get(consumer.topic());
        if (watch != null && watch.waiting.remove(consumer) && watch.waiting.isEmpty()) {
            watches.remove(watch.topic);
            cancelNext(watch);
        }
    }

    /** This adapter's publisher made {@code topic}'s delay topic ready: its waiting subscriptions check now. */
    public synchronized void delayTopicReady(String topic) {
        Watch watch = watches.get(topic);
        if (watch != null && !closed) {
            checkNow(watch);
        }
    }

    /**
     * Starts {@code consumer}'s forwarder again after {@code backoff}, on the scheduler's thread (its previous one
     * stopped on an unexpected error); nothing once this is closed.
     */
    public void restartLater(Waiter consumer, Duration backoff) {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        try {
            scheduler.schedule(() -> {
                try {
                    consumer.startForwarder();
                } catch (RuntimeException e) {
                    LOG.error("The delay forwarder of {} did not start again: {}", consumer.topic(), e.toString());
                }
            }, backoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** The topics whose subscriptions wait for their delay topic (for this module's tests). */
    synchronized Set<String> waitingTopics() {
        return Set.copyOf(watches.keySet());
    }

    /** Stops checking; forwarders already started are stopped by their subscriptions. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            watches.clear();
        }
        scheduler.shutdownNow();
    }

    /** Asks Kafka now, or once the check in flight has answered. Called holding the lock. */
    private void checkNow(Watch watch) {
        if (watch.checking) {
            watch.again = true;
            return;
        }
        cancelNext(watch);
        watch.checking = true;
        watch.again = false;
        CompletionStage<Boolean> answer;
        try {
            answer = delayTopicExists.apply(watch.topic);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((exists, error) -> {
            try {
                scheduler.execute(() -> answered(watch, Boolean.TRUE.equals(exists), error));
            } catch (RejectedExecutionException e) {
                // closed meanwhile
            }
        });
    }

    private void answered(Watch watch, boolean exists, Throwable error) {
        List<Waiter> ready;
        AccessRefusedException refusal = refusal(error);
        synchronized (this) {
            watch.checking = false;
            if (closed || watches.get(watch.topic) != watch) {
                return;
            }
            if (refusal != null) {
                watches.remove(watch.topic);
                ready = List.copyOf(watch.waiting);
            } else if (!exists) {
                if (error != null) {
                    LOG.debug("Checking the delay topic of {} failed (checked again later): {}", watch.topic,
                            error.toString());
                }
                if (watch.again) {
                    checkNow(watch);
                } else {
                    watch.next = scheduler.schedule(() -> scheduledCheck(watch), interval.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
                return;
            } else {
                watches.remove(watch.topic);
                ready = List.copyOf(watch.waiting);
            }
        }
        if (refusal != null) {
            AccessRefusedException told = new AccessRefusedException("Kafka refused the check of the delay topic "
                    + DelayTopics.delayTopic(watch.topic) + " of " + watch.topic + " (" + refusal.getMessage() + "): a"
                    + " subscription runs its topic's delay forwarder once that topic exists; "
                    + DelayTopics.forwarderGrants(watch.topic), refusal);
            LOG.error("{}", told.getMessage());
            ready.forEach(waiter -> waiter.refused(told));
            return;
        }
        LOG.debug("Delay topic of {} exists: starting {} delay forwarder(s)", watch.topic, ready.size());
        for (Waiter waiter : ready) {
            try {
                waiter.startForwarder();
            } catch (RuntimeException e) {
                LOG.error("The delay forwarder of {} did not start: {}", watch.topic, e.toString());
            }
        }
    }

    /** The refusal {@code error} is, or wraps; null when it is none. */
    private static AccessRefusedException refusal(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AccessRefusedException refused) {
                return refused;
            }
        }
        return null;
    }

    private synchronized void scheduledCheck(Watch watch) {
        watch.next = null;
        if (!closed && watches.get(watch.topic) == watch) {
            checkNow(watch);
        }
    }

    private static void cancelNext(Watch watch) {
        if (watch.next != null) {
            watch.next.cancel(false);
            watch.next = null;
        }
    }
}
