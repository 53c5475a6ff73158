package dev.keel.rabbit.internal;

import dev.keel.AccessRefusedException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The exchanges RabbitMQ refused a publish to (no write permission) in the last {@link #MEMORY}: a publish to one of
 * them fails at once, without being sent. RabbitMQ answers a refused publish by closing the publishing channel, which
 * fails every publish pending on it, to any topic, as retriable; without this memory a burst of refused publishes
 * (a loop, a relay, a retry) would close the shared channel again and again, and those failures would open the
 * circuit breakers of the topics the user may write. After {@link #MEMORY} a publish is sent again, so a permission
 * granted meanwhile takes effect. Thread-safe.
 */
final class WriteRefusals {

    /** How long a refusal is remembered. */
    static final Duration MEMORY = Duration.ofSeconds(2);

    private final LongSupplier nanoTime;
    private final Map<String, Refusal> refused = new ConcurrentHashMap<>();

    WriteRefusals(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** RabbitMQ refused a publish to {@code refusal}'s exchange now. */
    void refused(RefusedExchange refusal) {
        refused.put(refusal.exchange(), new Refusal(refusal.text(), nanoTime.getAsLong() + MEMORY.toNanos()));
    }

    /**
     * @throws AccessRefusedException when a publish of message {@code messageId} to {@code topic} through
     *         {@code exchange} was refused less than {@link #MEMORY} ago
     */
    void check(String exchange, String topic, String messageId) {
        Refusal last = refused.get(RefusedExchange.named(exchange));
        if (last == null) {
            return;
        }
        if (nanoTime.getAsLong() - last.untilNanos() >= 0) {
            refused.remove(RefusedExchange.named(exchange), last);
            return;
        }
        throw new AccessRefusedException("RabbitMQ refused a publish to topic '" + topic + "' less than "
                + MEMORY.toSeconds() + " s ago (" + last.text() + "), so message " + messageId + " was not sent: the"
                + " user needs the write permission on exchange '" + RefusedExchange.named(exchange) + "' (rabbitmqctl"
                + " set_permissions, the write pattern; docs/security.md lists what Keel needs); retrying cannot help"
                + " until it is granted", null);
    }

    private record Refusal(String text, long untilNanos) {
    }
}
