package dev.keel.jms.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Whether a topic's address routes to a queue, asked of the broker and remembered for a while when
 * it does (a topic that routes nowhere is asked again at every send). A group queue deleted within
 * the remembered time is not noticed until it runs out.
 */
public final class Routes {
    public static final Duration REMEMBER = Duration.ofSeconds(2);

    private final Predicate<String> broker;
    private final LongSupplier nanos;
    private final Map<String, Long> routableUntil = new ConcurrentHashMap<>();

    public Routes(Predicate<String> broker, LongSupplier nanos) {
        this.broker = broker;
        this.nanos = nanos;
    }

    public boolean routes(String topic) {
        Long until = routableUntil.get(topic);
        long now = nanos.getAsLong();
        if (until != null && now - until < 0) {
            return true;
        }
        boolean routes = broker.test(topic);
        if (routes) {
            routableUntil.put(topic, now + REMEMBER.toNanos());
        } else {
            routableUntil.remove(topic);
        }
        return routes;
    }

    /** Forgets what is known of {@code topic}: the next send asks the broker. */
    public void forget(String topic) {
        routableUntil.remove(topic);
    }
}
