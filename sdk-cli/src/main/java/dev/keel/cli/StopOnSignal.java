package dev.keel.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets a command that moves messages end cleanly when the process is asked to stop (SIGTERM, or Ctrl-C): the JVM's
 * shutdown waits while the command's thread is interrupted and finishes, so that what it did is acknowledged and its
 * consumers leave their groups (a re-drive killed without this left its last letters moved but not acknowledged, and
 * the group's partitions held by a member that was gone). The command's child processes ({@link ChildProcesses}) are
 * killed first: a thread reading a child's output wakes only when the child ends, not when it is interrupted.
 * Installed by the command's thread, closed by it once its clients are closed and its topics deleted; the wait is
 * bounded, after which the JVM exits anyway.
 */
public final class StopOnSignal implements AutoCloseable {

    /** How long a stop waits for the command to finish. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Thread worker;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private volatile boolean signalled;

    private StopOnSignal(Thread worker) {
        this.worker = worker;
        this.hook = new Thread(this::stop, "keel-stop-on-signal");
    }

    /** For the calling thread: a stop of the JVM interrupts it and waits for {@link #close()}. */
    public static StopOnSignal install() {
        StopOnSignal stop = new StopOnSignal(Thread.currentThread());
        Runtime.getRuntime().addShutdownHook(stop.hook);
        return stop;
    }

    /** Whether the process was asked to stop while the command ran. */
    public boolean signalled() {
        return signalled;
    }

    private void stop() {
        signalled = true;
        ChildProcesses.stopAll();
        worker.interrupt();
        try {
            finished.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The command finished: a stop no longer waits, and the hook is removed unless the JVM is stopping already. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException stopping) {
            // the JVM is shutting down: the hook is running, and returns now
        }
    }
}
