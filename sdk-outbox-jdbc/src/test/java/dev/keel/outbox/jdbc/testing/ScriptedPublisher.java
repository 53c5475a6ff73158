package dev.keel.outbox.jdbc.testing;

import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A publisher for relay tests that need no broker: confirms every publish at once, except those of the topics or
 * ids it is told to fail retriably (as a broker briefly away would) or to refuse for good; records every publish asked
 * of it, in order. Thread-safe.
 */
public final class ScriptedPublisher implements Publisher {

    /** One publish asked of it: the topic, and the message's id and key. */
    public record Sent(String topic, String id, String key) {
    }

    private final Set<String> failingTopics = ConcurrentHashMap.newKeySet();
    private final Set<String> failingIds = ConcurrentHashMap.newKeySet();
    private final Set<String> refusedIds = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final List<Sent> sent = new ArrayList<>();
    private final List<String> confirmed = new ArrayList<>();
    private final AtomicLong offset = new AtomicLong();
    private final Map<String, Hook> firstPublishHooks = new ConcurrentHashMap<>();

    /** What a test runs inside a publish, in the relay's round. */
    @FunctionalInterface
    public interface Hook {
        void run() throws Exception;
    }

    /**
     * Runs {@code hook} in the first publish to {@code topic} from now on, before that publish's outcome (so while the
     * relay's round that asked for it is under way); a hook that throws fails that publish retriably.
     */
    public ScriptedPublisher onFirstPublishTo(String topic, Hook hook) {
        firstPublishHooks.put(topic, hook);
        return this;
    }

    /** Fails every publish to {@code topic} retriably from now on. */
    public ScriptedPublisher failTopic(String topic) {
        failingTopics.add(topic);
        return this;
    }

    /** Fails every publish of the message {@code id} retriably from now on. */
    public ScriptedPublisher failId(String id) {
        failingIds.add(id);
        return this;
    }

    /** Refuses every publish of the message {@code id} for good (not retriable) from now on. */
    public ScriptedPublisher refuseId(String id) {
        refusedIds.add(id);
        return this;
    }

    /** How many times the message {@code id} was asked to be published, failed attempts included. */
    public int attempts(String id) {
        AtomicInteger n = attempts.get(id);
        return n == null ? 0 : n.get();
    }

    /** Every publish asked of it so far, in order, failed ones included. */
    public synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** The ids of the publishes it confirmed, in the order it confirmed them. */
    public synchronized List<String> confirmed() {
        return List.copyOf(confirmed);
    }

    @Override
    public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
        attempts.computeIfAbsent(message.id(), k -> new AtomicInteger()).incrementAndGet();
        synchronized (this) {
            sent.add(new Sent(topic, message.id(), message.key()));
        }
        Hook hook = firstPublishHooks.remove(topic);
        if (hook != null) {
            try {
                hook.run();
            } catch (Exception e) {
                return CompletableFuture.failedFuture(new PublishException("the test's hook failed: " + e, e, true));
            }
        }
        if (refusedIds.contains(message.id())) {
            return CompletableFuture.failedFuture(new PublishException("injected: refused for good " + message.id(),
                    null, false));
        }
        if (failingTopics.contains(topic) || failingIds.contains(message.id())) {
            return CompletableFuture.failedFuture(new PublishException("injected: broker briefly away for "
                    + message.id(), null, true));
        }
        synchronized (this) {
            confirmed.add(message.id());
        }
        return CompletableFuture.completedFuture(new PublishReceipt(topic, message.id(), "0", offset.getAndIncrement()));
    }

    @Override
    public CompletionStage<List<PublishReceipt>> publishAllAsync(String topic, List<Message> messages) {
        throw new UnsupportedOperationException("the relay publishes one by one, pipelined");
    }

    @Override
    public CompletionStage<Void> closeAsync() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
    }
}
