package dev.keel.cli.bench;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress bar on stderr ({@code \r}-redrawn), or nothing when disabled. Thread-safe:
 * any thread may {@link #advance}; redraws are rate-limited.
 */
public final class Progress {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final PrintWriter err;
    private final boolean enabled;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong lastDraw = new AtomicLong();
    private volatile String label = "";
    private volatile long total = 1;

    private Progress(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    public static Progress to(PrintWriter err, boolean enabled) {
        return new Progress(err, enabled);
    }

    public static Progress none() {
        return new Progress(null, false);
    }

    /** Starts a new bar. */
    public void start(String label, long total) {
        this.label = label;
        this.total = Math.max(1, total);
        done.set(0);
        lastDraw.set(0);
        draw(true);
    }

    public void advance(long n) {
        done.addAndGet(n);
        draw(false);
    }

    /** Sets the absolute count (for counts observed elsewhere). */
    public void set(long n) {
        done.set(n);
        draw(false);
    }

    /** Clears the bar's line. */
    public void finish() {
        if (!enabled) {
            return;
        }
        synchronized (this) {
            err.print("\r" + " ".repeat(WIDTH + label.length() + 40) + "\r");
            err.flush();
        }
    }

    private void draw(boolean force) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        long last = lastDraw.get();
        if (!force && (now - last < REDRAW_NANOS || !lastDraw.compareAndSet(last, now))) {
            return;
        }
        lastDraw.set(now);
        long d = Math.min(done.get(), total);
        int filled = (int) (WIDTH * d / total);
        String bar = "#".repeat(filled) + " ".repeat(WIDTH - filled);
        synchronized (this) {
            err.print("\r[" + bar + "] " + (100 * d / total) + "% " + label + " " + d + "/" + total + "   ");
            err.flush();
        }
    }
}
