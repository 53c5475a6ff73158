package dev.keel.kafka.internal;

import dev.keel.KeelException;
import dev.keel.UnroutableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Lets sends to a topic through only once the topic is known to exist and be served (see
 * {@link TopicAdmin#ready}), so a publish to an undeclared topic fails at once with
 * {@link UnroutableException} instead of blocking on metadata and relying on broker-side
 * auto-creation. The first send to a topic asks the Admin client; sends
 * that arrive meanwhile wait in order and go through (or fail) together. Thread-safe.
 */
final class TopicGates {

    private final TopicAdmin admin;
    private final Executor executor;
    private final Set<String> open = ConcurrentHashMap.newKeySet();
    private final Map<String, List<Consumer<KeelException>>> waiting = new HashMap<>();

    TopicGates(TopicAdmin admin, Executor executor) {
        this.admin = admin;
        this.executor = executor;
    }

    /**
     * Runs {@code action} with {@code null} once {@code topic} is known to exist (at once, on this
     * thread, when it already is), or with the failure when it does not exist or the check failed.
     * Actions for one topic run in the order they were given.
     */
    void whenOpen(String topic, Consumer<KeelException> action) {
        if (open.contains(topic)) {
            action.accept(null);
            return;
        }
        boolean check;
        synchronized (this) {
            if (open.contains(topic)) {
                check = false;
            } else {
                List<Consumer<KeelException>> queue = waiting.get(topic);
                check = queue == null;
                if (check) {
                    queue = new ArrayList<>();
                    waiting.put(topic, queue);
                }
                queue.add(action);
                action = null;
            }
        }
        if (action != null) {
            action.accept(null);
        } else if (check) {
            admin.ready(topic).whenComplete((exists, error) -> {
                try {
                    executor.execute(() -> settle(topic, exists, error));
                } catch (RejectedExecutionException closing) {
                    settle(topic, exists, error);
                }
            });
        }
    }

    /** Forgets that {@code topic} exists (it was deleted); the next send checks again. */
    void forget(String topic) {
        open.remove(topic);
    }

    private synchronized void settle(String topic, Boolean exists, Throwable error) {
        KeelException failure = null;
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            failure = cause instanceof KeelException k ? k
                    : new KeelException("checking that topic " + topic + " exists failed: " + cause, cause, true);
        } else if (!exists) {
            failure = missingTopic(topic, null);
        }
        for (Consumer<KeelException> action : waiting.remove(topic)) {
            action.accept(failure);
        }
        if (failure == null) {
            open.add(topic);
        }
    }

    static UnroutableException missingTopic(String topic, Throwable cause) {
        return new UnroutableException("Kafka topic '" + topic + "' does not exist: declare it "
                + dev.keel.spi.support.TopologyHints.declare(topic) + " (or enable topic auto-creation on the broker and in KafkaConfig)", cause);
    }
}
