package dev.keel.rocket.internal;

import java.util.concurrent.TimeUnit;

/**
 * Runs a client's {@code shutdown()} on a thread of its own and waits for it until a deadline: rocketmq-client's
 * shutdown unregisters from each broker with a synchronous request (3 s each for a broker that answers nothing), which
 * a close bounded by {@code closeTimeout} cannot wait for. What is not done by then goes on in the background.
 */
final class BoundedShutdown {

    private BoundedShutdown() {
    }

    /**
     * Starts {@code shutdown} on a daemon thread named {@code threadName} and returns once it ended or
     * {@code deadline} passed, whichever comes first; true when it ended. Its failure is its own to report.
     */
    static boolean within(Runnable shutdown, String threadName, Deadline deadline) {
        Thread thread = new Thread(shutdown, threadName);
        thread.setDaemon(true);
        thread.start();
        try {
            long left = deadline.remainingNanos();
            if (left > 0) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
