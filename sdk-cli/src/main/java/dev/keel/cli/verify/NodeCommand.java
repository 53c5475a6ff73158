package dev.keel.cli.verify;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@code --node-control} command with {@code /bin/sh -c}: stdin empty, stdout and stderr
 * kept (the last lines, for the report when it fails, never printed otherwise), killed with its
 * children at the timeout. {@code KEEL_NODE} and {@code KEEL_ACTION} are set in its environment.
 */
public final class NodeCommand {

    static final int TAIL_BYTES = 2048;

    /**
     * How a command ended.
     *
     * @param action     kill or start
     * @param node       the node's name
     * @param exitCode   its exit status; -1 when it could not run or timed out
     * @param timedOut   whether it ran past {@code --control-timeout} and was killed
     * @param took       how long it ran
     * @param outputTail the end of its output (stdout and stderr), for the report when it failed
     */
    public record Result(String action, String node, int exitCode, boolean timedOut, Duration took, String outputTail) {

        /** Whether it exited 0 in time. */
        public boolean succeeded() {
            return !timedOut && exitCode == 0;
        }

        /** One line for the report. */
        public String describe() {
            if (succeeded()) {
                return action + " " + node + " took " + DurationText.seconds(took);
            }
            String tail = outputTail.isBlank() ? "" : "; its last output: "
                    + outputTail.strip().lines().reduce((a, b) -> b).orElse("");
            return action + " " + node + (timedOut ? " timed out after " + DurationText.seconds(took)
                    + " (--control-timeout) and was killed" : exitCode == -1 ? " could not run" : " failed with exit "
                    + "status " + exitCode) + tail;
        }
    }

    private NodeCommand() {
    }

    static Result run(NodeControl node, String action, Duration timeout) {
        long started = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", node.command(action))
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.put("KEEL_NODE", node.name());
        env.put("KEEL_ACTION", action);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Result(action, node.name(), -1, false, Duration.ofNanos(System.nanoTime() - started),
                    e.getMessage());
        }
        Tail tail = new Tail(process.getInputStream());
        Thread reader = new Thread(tail, "keel-verify-node-control");
        reader.setDaemon(true);
        reader.start();
        boolean exited;
        try {
            exited = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exited = false;
        }
        if (!exited) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        return new Result(action, node.name(), exited ? process.exitValue() : -1, !exited, took, tail.text());
    }

    /** Keeps the last {@link #TAIL_BYTES} bytes of a stream. */
    private static final class Tail implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        Tail(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[1024];
            try (in) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    synchronized (kept) {
                        kept.write(buffer, 0, n);
                        if (kept.size() > 4 * TAIL_BYTES) {
                            byte[] all = kept.toByteArray();
                            kept.reset();
                            kept.write(all, all.length - TAIL_BYTES, TAIL_BYTES);
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended or was killed: keep what was read
            }
        }

        String text() {
            synchronized (kept) {
                byte[] all = kept.toByteArray();
                int from = Math.max(0, all.length - TAIL_BYTES);
                return new String(all, from, all.length - from, StandardCharsets.UTF_8);
            }
        }
    }
}
