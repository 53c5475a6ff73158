package dev.keel.rocket.internal;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writable queues of each topic the producer sends to, checked with the name server before the
 * first send: a topic that does not exist fails at once with {@link dev.keel.UnroutableException}
 * and is never created by the broker's auto-creation (the client would otherwise send it along the
 * {@code TBW102} template route). While the name server knows no master broker at all (one restarting,
 * or dropped until its next heartbeat: it then routes no topic), a topic without a route is an outage,
 * a retriable {@link BrokerUnavailableException}, not a missing topic. Sends that arrive while a topic
 * is checked wait in order and go on (or fail) together, so per-key order holds from the first message.
 * A known route is checked again in the background after {@link #REFRESH_NANOS} (brokers added, write
 * permission removed for a restart), and at once after the producer {@link #forget forgets} it.
 * Thread-safe.
 */
final class TopicRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(TopicRoutes.class);

    /** How long a known route is used before it is checked again in the background. */
    static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** A topic's writable queues and when the name server said so. */
    private record Route(List<MessageQueue> queues, long checkedAt) {
    }

    private final RocketAdmin admin;
    private final Executor checks;
    private final Map<String, Route> known = new ConcurrentHashMap<>();
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final Map<String, List<BiConsumer<List<MessageQueue>, KeelException>>> waiting = new HashMap<>();

    TopicRoutes(RocketAdmin admin, Executor checks) {
        this.admin = admin;
        this.checks = checks;
    }

    /**
     * Runs {@code action} with the topic's queues once they are known (at once, on this thread, when
     * they already are), or with the failure. Actions for one topic run in the order given.
     */
    void whenRouted(String topic, BiConsumer<List<MessageQueue>, KeelException> action) {
        Route route = known.get(topic);
        if (route != null) {
            refreshIfOld(topic, route);
            action.accept(route.queues(), null);
            return;
        }
        boolean check;
        List<MessageQueue> queues;
        synchronized (this) {
            route = known.get(topic);
            queues = route == null ? null : route.queues();
            if (queues == null) {
                List<BiConsumer<List<MessageQueue>, KeelException>> list = waiting.get(topic);
                check = list == null;
                if (check) {
                    list = new ArrayList<>();
                    waiting.put(topic, list);
                }
                list.add(action);
            } else {
                check = false;
            }
        }
        if (queues != null) {
            action.accept(queues, null);
        } else if (check) {
            try {
                checks.execute(() -> settle(topic));
            } catch (RejectedExecutionException closing) {
                fail(topic, new dev.keel.ClosedException("the RocketMQ producer is closed"));
            }
        }
    }

    /** Whether the topic's queues are known (it was checked and not forgotten since). */
    boolean isKnown(String topic) {
        return known.containsKey(topic);
    }

    /** Forgets the topic's queues (deleted, or the broker said it does not exist): the next send checks again. */
    void forget(String topic) {
        known.remove(topic);
    }

    private void refreshIfOld(String topic, Route route) {
        if (System.nanoTime() - route.checkedAt() < REFRESH_NANOS || !refreshing.add(topic)) {
            return;
        }
        try {
            checks.execute(() -> {
                try {
                    Optional<List<MessageQueue>> queues = admin.writableQueues(topic);
                    if (queues.isPresent()) {
                        known.replace(topic, route, new Route(queues.get(), System.nanoTime()));
                    } else {
                        known.remove(topic, route);
                    }
                } catch (RuntimeException e) {
                    LOG.debug("Refreshing the route of RocketMQ topic {} failed, keeping the known one: {}", topic,
                            e.toString());
                } finally {
                    refreshing.remove(topic);
                }
            });
        } catch (RejectedExecutionException closing) {
            refreshing.remove(topic);
        }
    }

    private void settle(String topic) {
        Optional<List<MessageQueue>> queues;
        try {
            queues = admin.writableQueues(topic);
        } catch (KeelException e) {
            fail(topic, e);
            return;
        } catch (RuntimeException e) {
            fail(topic, new KeelException("checking that RocketMQ topic " + topic + " exists failed: " + e, e, true));
            return;
        }
        if (queues.isEmpty()) {
            fail(topic, withoutRoute(topic));
            return;
        }
        synchronized (this) {
            // the waiting actions run before the topic counts as known, so none is overtaken by a later send
            List<BiConsumer<List<MessageQueue>, KeelException>> actions = waiting.remove(topic);
            if (actions != null) {
                actions.forEach(a -> a.accept(queues.get(), null));
            }
            known.put(topic, new Route(queues.get(), System.nanoTime()));
        }
    }

    /** A topic the name server routes nowhere: missing, unless the name server knows no master broker now. */
    private KeelException withoutRoute(String topic) {
        try {
            if (!admin.knowsAMaster()) {
                return new BrokerUnavailableException("RocketMQ has no route to topic " + topic + ": the name server "
                        + "knows no master broker now (one restarting, or dropped until its next heartbeat); retriable",
                        null);
            }
        } catch (KeelException e) {
            return e;
        }
        return SendErrors.missingTopic(topic, null);
    }

    private void fail(String topic, KeelException failure) {
        List<BiConsumer<List<MessageQueue>, KeelException>> actions;
        synchronized (this) {
            actions = waiting.remove(topic);
        }
        if (actions != null) {
            actions.forEach(a -> a.accept(null, failure));
        }
    }
}
