package dev.keel.kafka.internal;

/**
 * What other threads ask of a consumer's poll thread (pause, resume, close, abort), as
 * thread-safe flags the poll thread reads between polls. A KafkaConsumer is not thread-safe, so
 * nothing but these flags and {@code wakeup()} crosses threads.
 */
final class ConsumerSignals {

    private volatile boolean pauseWanted;
    private volatile boolean closing;
    private volatile boolean aborted;
    private volatile boolean idle;

    boolean pauseWanted() {
        return pauseWanted;
    }

    void pauseWanted(boolean wanted) {
        pauseWanted = wanted;
    }

    boolean closing() {
        return closing;
    }

    void close() {
        closing = true;
    }

    /** Crash semantics: stop, commit nothing more, ignore later acks. */
    boolean aborted() {
        return aborted;
    }

    void abort() {
        aborted = true;
        closing = true;
    }

    /** Whether the poll thread is in a poll with every partition paused (a wakeup is then cheap and useful). */
    boolean idle() {
        return idle;
    }

    void idle(boolean idle) {
        this.idle = idle;
    }
}
