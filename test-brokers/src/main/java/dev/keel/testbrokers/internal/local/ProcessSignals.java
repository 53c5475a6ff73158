package dev.keel.testbrokers.internal.local;

/** Sends a signal to a process with {@code kill -<name> <pid>} (Linux and macOS). */
final class ProcessSignals {

    private ProcessSignals() {
    }

    /** Sends {@code SIG<name>} (e.g. {@code STOP}, {@code CONT}) to {@code pid} and returns once {@code kill} ended. */
    static void send(String name, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid + " failed");
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot run kill -" + name + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending SIG" + name + " to " + pid, e);
        }
    }
}
