package dev.keel.cli.dlq;

import dev.keel.deadletter.RedriveResult;
import java.io.PrintWriter;

/**
 * A one-line re-drive progress bar on stderr, redrawn with {@code \r}: handled of received so far
 * (the total grows while the dead-letter topic is read), and the counts. Nothing when disabled.
 */
final class RedriveBar {

    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean enabled;
    private int lastLength;

    RedriveBar(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    void update(RedriveResult soFar, int received) {
        if (!enabled) {
            return;
        }
        int handled = soFar.redriven() + soFar.kept() + soFar.failed();
        int total = Math.max(1, Math.max(received, handled));
        int filled = (int) ((long) WIDTH * Math.min(handled, total) / total);
        String line = "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + handled + "/" + received
                + "  re-driven " + soFar.redriven() + ", kept " + soFar.kept() + ", failed " + soFar.failed();
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        err.flush();
        lastLength = line.length();
    }

    void finish() {
        if (enabled && lastLength > 0) {
            err.println();
            err.flush();
        }
    }
}
