package dev.keel.cli.verify;

import dev.keel.cli.TextTable;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What a verify run saw, and whether every guarantee held.
 *
 * @param setup             one line: broker, store, guarantee, ordering, lanes
 * @param settings          the workload and faults
 * @param published         distinct messages published
 * @param duplicatePublishes second publishes of an id
 * @param confirmed         publishes the broker confirmed
 * @param unconfirmed       publishes that failed (not promised, not checked)
 * @param processed         distinct ids whose effect was applied
 * @param duplicatesSkipped deliveries the store recognised as done and the engine skipped
 * @param redeliveries      deliveries beyond one per confirmed publish
 * @param crashes           consumer crashes injected
 * @param poison            poison messages confirmed
 * @param deadLettered      poison messages found in the dead letters
 * @param retries           in-place handler retries the engine reported
 * @param violations        what went wrong
 * @param notes             remarks (timeouts, crashes that could not wait for quiet)
 * @param elapsed           wall time of the run
 */
public record VerifyReport(String setup, VerifySettings settings, long published, long duplicatePublishes,
                           long confirmed, long unconfirmed, long processed, long duplicatesSkipped,
                           long redeliveries, int crashes, long poison, long deadLettered, long retries,
                           Violations violations, List<String> notes, Duration elapsed) {

    public boolean passed() {
        return violations.total() == 0;
    }

    public void print(PrintWriter out) {
        out.println("keel verify: " + setup);
        out.println(String.format(Locale.ROOT, "workload: %d messages over %d keys, seed %d; faults: crash-rate %s "
                        + "(at most %d), duplicate-rate %s, poison-rate %s", settings.messages(), settings.keys(),
                settings.seed(), settings.crashRate(), settings.maxCrashes(), settings.duplicateRate(),
                settings.poisonRate()));
        out.println();
        TextTable counts = new TextTable("measure", "count>", "meaning");
        counts.row("published", published, "distinct messages published with confirmation");
        counts.row("duplicate publishes", duplicatePublishes, "the same id published a second time, later");
        counts.row("confirmed", confirmed, "publishes the broker confirmed");
        if (unconfirmed > 0) {
            counts.row("unconfirmed", unconfirmed, "publishes that failed (not promised, not checked)");
        }
        counts.row("processed", processed, "distinct ids whose effect was applied");
        counts.row("duplicates skipped", duplicatesSkipped, "deliveries of ids already done, acked unhandled");
        counts.row("redeliveries", redeliveries, "deliveries beyond one per confirmed publish");
        counts.row("crashes", crashes, "consumers crashed before ack, replaced in the same group");
        counts.row("retries", retries, "in-place handler retries");
        counts.row("dead-lettered", deadLettered + " of " + poison, "poison messages found in the dead letters");
        counts.print(out, "  ");
        out.println();
        TextTable table = new TextTable("violation", "count>", "what it means");
        for (ViolationKind kind : ViolationKind.values()) {
            table.row(kind.label(), violations.count(kind), kind.meaning());
        }
        table.print(out, "  ");
        for (ViolationKind kind : ViolationKind.values()) {
            List<String> examples = violations.examples(kind);
            if (!examples.isEmpty()) {
                out.println("  " + kind.label() + ", first cases:");
                examples.forEach(e -> out.println("    - " + e));
            }
        }
        notes.forEach(n -> out.println("note: " + n));
        out.println();
        String took = String.format(Locale.ROOT, "%.1f s", elapsed.toMillis() / 1000.0);
        if (passed()) {
            out.println("PASS: no violation (" + took + ")");
        } else {
            out.println("FAIL: " + violations.total() + " violation(s) (" + took + "); rerun with --seed "
                    + settings.seed() + " to repeat the same workload");
        }
        out.flush();
    }
}
