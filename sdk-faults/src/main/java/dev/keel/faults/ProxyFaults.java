package dev.keel.faults;

import java.time.Duration;
import java.util.Objects;

/** The faults a {@link FaultProxy} applies right now; read by every forwarding thread. */
final class ProxyFaults {

    private volatile boolean blackHole;
    private volatile boolean dropReplies;
    private volatile boolean refuse;
    private volatile long latencyNanos;

    void blackHole(boolean on) {
        blackHole = on;
    }

    void dropReplies(boolean on) {
        dropReplies = on;
    }

    void refuse(boolean on) {
        refuse = on;
    }

    void latency(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + delay);
        }
        latencyNanos = delay.toNanos();
    }

    void heal() {
        blackHole = false;
        dropReplies = false;
        refuse = false;
        latencyNanos = 0;
    }

    boolean refusing() {
        return refuse;
    }

    long latencyNanos() {
        return latencyNanos;
    }

    /** Whether a chunk going {@code toClient} (a reply) or to the server (a request) is discarded. */
    boolean discards(boolean toClient) {
        return blackHole || (toClient && dropReplies);
    }
}
