package dev.keel.rabbit.internal;

import dev.keel.PublishException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The node's {@code max_message_size}, learned from its last refusal of a message over it, for {@link #MEMORY}: a
 * larger payload fails at once, without being sent. RabbitMQ answers such a message by closing the publishing
 * channel, which fails every publish pending on it, to any topic; without this memory a stream of oversize messages
 * (a loop, a relay, a retry of one that found the channel closed by the one before) would close the shared channel
 * again and again under the others. After {@link #MEMORY} such a message is sent again, so a limit raised meanwhile
 * takes effect. Thread-safe.
 */
final class SizeRefusals {

    /** How long a learned limit is kept. */
    static final Duration MEMORY = Duration.ofSeconds(60);

    private final LongSupplier nanoTime;
    private final AtomicReference<Learned> learned = new AtomicReference<>();

    SizeRefusals(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** RabbitMQ refused a message over {@code refusal}'s limit now. */
    void refused(SizeRefusal refusal) {
        learned.set(new Learned(refusal.limit(), nanoTime.getAsLong() + MEMORY.toNanos()));
    }

    /**
     * @throws PublishException (not retriable) when message {@code messageId} to {@code topic} has a payload of more
     *         than the limit RabbitMQ refused a message over less than {@link #MEMORY} ago
     */
    void check(String topic, String messageId, int size) {
        Learned last = learned.get();
        if (last == null || size <= last.limit()) {
            return;
        }
        if (nanoTime.getAsLong() - last.untilNanos() >= 0) {
            learned.compareAndSet(last, null);
            return;
        }
        throw new PublishException("message " + messageId + " to " + topic + " was not sent: its payload is " + size
                + " bytes, over the max_message_size of " + last.limit() + " bytes over which RabbitMQ refused a"
                + " message less than " + MEMORY.toSeconds() + " s ago (it closes the shared publishing channel for"
                + " each). " + SizeRefusal.ADVICE, null, false);
    }

    private record Learned(long limit, long untilNanos) {
    }
}
