package dev.keel.cli.verify;

import java.time.Duration;
import java.util.Locale;

/** Durations as the report prints them: {@code 5m}, {@code 90s}, {@code 2.31 s}. */
final class DurationText {

    private DurationText() {
    }

    /** As a flag value: {@code 5m}, {@code 90s}, {@code 500ms}. */
    static String of(Duration d) {
        if (d.toMillis() % 60_000 == 0 && !d.isZero()) {
            return d.toMinutes() + "m";
        }
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }

    /** As a measurement: {@code 2.31 s}. */
    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
    }
}
