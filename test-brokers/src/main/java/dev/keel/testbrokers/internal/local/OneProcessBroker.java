package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.internal.BrokerControl;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.RunDirectory;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The fault controls of a broker that is one local process with its data under {@code dir}: kill
 * -9, restart on the same ports and data, and a stop that kills it and deletes its data.
 */
abstract class OneProcessBroker implements BrokerControl {

    private final Path dir;
    private final Duration killTimeout;
    private volatile ManagedProcess process;

    OneProcessBroker(Path dir, Duration killTimeout) {
        this.dir = dir;
        this.killTimeout = killTimeout;
    }

    /** Launches the process (recording it with {@link #running}) and returns once it serves. */
    abstract void launchAndAwait();

    final Path dir() {
        return dir;
    }

    final ManagedProcess process() {
        return process;
    }

    final void running(ManagedProcess process) {
        this.process = process;
    }

    @Override
    public boolean supportsFaults() {
        return true;
    }

    @Override
    public synchronized void kill() {
        process.kill(killTimeout);
    }

    @Override
    public synchronized void restart() {
        if (process.isAlive()) {
            process.kill(killTimeout);
        }
        launchAndAwait();
    }

    @Override
    public void stop() {
        ManagedProcess current = process;
        if (current != null) {
            current.killNow();
        }
        RunDirectory.deleteTree(dir.resolve("data"));
    }
}
