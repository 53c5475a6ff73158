package dev.keel.cli.verify;

import dev.keel.cli.TextTable;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a verify run saw over all its rounds, and whether every guarantee held. The header and the
 * round lines are printed by the run as it goes; this prints the rest.
 *
 * @param settings       the workload and faults
 * @param counts         the measures
 * @param faults         per fault kind: planned, injected, what they did
 * @param disruptions    every crash and dropped session, in order
 * @param repeatsByCrash per crash, the ids of its window that were repeated
 * @param violations     what went wrong
 * @param notes          remarks (timeouts, unconfirmed publishes, lost leases)
 * @param outages        the node kills of {@code --kill-node}, one per round; empty without it
 * @param elapsed        wall time of the run
 */
public record VerifyReport(VerifySettings settings, Counts counts, List<FaultRow> faults,
                           List<ConsumerDisruption> disruptions, Map<ConsumerDisruption, Integer> repeatsByCrash,
                           Violations violations, List<String> notes, List<OutageRow> outages, Duration elapsed) {

    /** The most disruptions listed one by one; the rest are summed up. */
    static final int MAX_DISRUPTION_ROWS = 20;

    /**
     * The measures, summed over every round.
     *
     * @param rounds             rounds run
     * @param failedRounds       rounds whose own check found a violation
     * @param published          distinct messages published
     * @param duplicatePublishes second publishes of an id
     * @param confirmed          publishes the broker confirmed
     * @param unconfirmed        publishes that failed (not promised, not checked)
     * @param processed          distinct ids whose effect was applied
     * @param duplicatesSkipped  deliveries the store recognised as done and the engine skipped
     * @param redeliveries       deliveries beyond one per confirmed publish
     * @param crashes            consumer crashes carried out
     * @param windowRepeats      effects repeated as the crash window admits
     * @param poison             poison messages confirmed
     * @param deadLettered       poison messages found in the dead letters
     * @param retries            in-place handler retries the engine reported
     * @param lostReplies        claim replies lost after the store ran the claim
     */
    public record Counts(int rounds, long failedRounds, long published, long duplicatePublishes, long confirmed,
                         long unconfirmed, long processed, long duplicatesSkipped, long redeliveries, long crashes,
                         long windowRepeats, long poison, long deadLettered, long retries, long lostReplies) {
    }

    /**
     * One fault kind's line.
     *
     * @param kind     its {@code --faults} name
     * @param planned  how many the rounds planned
     * @param injected how many were carried out (a crash target may be handled elsewhere; a fault may
     *                 start after its round ended)
     * @param detail   what they did
     */
    public record FaultRow(String kind, long planned, long injected, String detail) {
    }

    /**
     * One round's node kill and what the stream went through.
     *
     * @param round         the round
     * @param outage        the node, when it was killed and started, and the control commands' results
     * @param confirmPause  the longest pause between two publish confirmations in the round
     * @param deliveryPause the longest pause between two deliveries in the round
     * @param unconfirmed   publishes of the round that failed
     */
    public record OutageRow(int round, NodeOutage outage, Duration confirmPause, Duration deliveryPause,
                            long unconfirmed) {
    }

    public VerifyReport {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(counts, "counts");
        faults = List.copyOf(faults);
        disruptions = List.copyOf(disruptions);
        repeatsByCrash = Map.copyOf(repeatsByCrash);
        notes = List.copyOf(notes);
        outages = List.copyOf(outages);
    }

    /** Whether every guarantee held: no violation of any kind. */
    public boolean passed() {
        return violations.total() == 0;
    }

    /** Whether a {@code --node-control} command failed or a node was not killed: the outage was not proven. */
    public boolean controlFailed() {
        return outages.stream().anyMatch(o -> o.outage().controlFailed());
    }

    /** Prints the measures, faults, crashes, violations, notes and the verdict with the seed. */
    public void print(PrintWriter out) {
        out.println();
        TextTable table = new TextTable("measure", "count>", "meaning");
        if (settings.rounds()) {
            table.row("rounds", counts.rounds(), "rounds run, each checked on its own and all together at the end");
        }
        table.row("published", counts.published(), "distinct messages published with confirmation");
        table.row("duplicate publishes", counts.duplicatePublishes(), "the same id published a second time, later");
        table.row("confirmed", counts.confirmed(), "publishes the broker confirmed");
        if (counts.unconfirmed() > 0) {
            table.row("unconfirmed", counts.unconfirmed(), "publishes that failed (not promised, not checked)");
        }
        table.row("processed", counts.processed(), "distinct ids whose effect was applied");
        table.row("duplicates skipped", counts.duplicatesSkipped(), "deliveries of ids already done, acked unhandled");
        table.row("redeliveries", counts.redeliveries(), "deliveries beyond one per confirmed publish");
        table.row("crashes", counts.crashes(), "consumers crashed before ack, replaced in the same group");
        table.row("window repeats", counts.windowRepeats(), "effects repeated as the crash window admits (README)");
        table.row("retries", counts.retries(), "in-place handler retries");
        table.row("dead-lettered", counts.deadLettered() + " of " + counts.poison(),
                "poison messages found in the dead letters");
        table.print(out, "  ");
        if (!faults.isEmpty()) {
            out.println();
            TextTable faultTable = new TextTable("fault", "planned>", "injected>", "what it did");
            faults.forEach(f -> faultTable.row(f.kind(), f.planned(), f.injected(), f.detail()));
            faultTable.print(out, "  ");
        }
        if (!disruptions.isEmpty()) {
            out.println();
            printDisruptions(out);
        }
        out.println();
        TextTable violationTable = new TextTable("violation", "count>", "what it means");
        for (ViolationKind kind : ViolationKind.values()) {
            violationTable.row(kind.label(), violations.count(kind), kind.meaning());
        }
        violationTable.print(out, "  ");
        for (ViolationKind kind : ViolationKind.values()) {
            List<String> examples = violations.examples(kind);
            if (!examples.isEmpty()) {
                out.println("  " + kind.label() + ", first cases:");
                examples.forEach(e -> out.println("    - " + e));
            }
        }
        if (!outages.isEmpty()) {
            out.println();
            printOutages(out);
        }
        notes.forEach(n -> out.println("note: " + n));
        out.println();
        String took = String.format(Locale.ROOT, "%.1f s", elapsed.toMillis() / 1000.0);
        String rounds = settings.rounds() ? " in " + counts.rounds() + " round(s)" : "";
        if (passed() && controlFailed()) {
            out.println("NOT PROVEN: no violation" + rounds + ", but a node was not killed and started as asked "
                    + "(see node kills above) (" + took + ")");
        } else if (passed()) {
            out.println("PASS: no violation" + rounds + (outages.isEmpty() ? "" : ", " + outages.size()
                    + " node kill(s)") + " (" + took + ")");
        } else {
            out.println("FAIL: " + violations.total() + " violation(s)" + rounds
                    + (settings.rounds() ? ", " + counts.failedRounds() + " round(s) failed" : "") + " (" + took
                    + ")");
        }
        out.println("seed " + settings.seed() + ": rerun with --seed " + settings.seed());
        out.flush();
    }

    /**
     * One row per node kill: when in its round, how long the control commands took, how long the
     * node was down, the longest pauses of the stream, and the publishes that failed meanwhile.
     */
    private void printOutages(PrintWriter out) {
        out.println("node kills (--kill-node):");
        TextTable table = new TextTable("round>", "node", "killed at>", "kill took>", "down>", "start took>",
                "longest pause: confirms>", "deliveries>", "unconfirmed>");
        for (OutageRow row : outages) {
            NodeOutage o = row.outage();
            table.row(row.round(), o.node(), seconds(o.killedAfter()), o.kill() == null ? "-" : seconds(o.kill().took()),
                    seconds(o.downFor()), o.start() == null ? "-" : seconds(o.start().took()),
                    seconds(row.confirmPause()), seconds(row.deliveryPause()), row.unconfirmed());
        }
        table.print(out, "  ");
        out.println("  killed at: into the round; down: from the kill command's return to the start command; longest "
                + "pause: between two publish confirmations, two deliveries");
        for (OutageRow row : outages) {
            row.outage().problems().forEach(p -> out.println("  round " + row.round() + ": " + p));
        }
    }

    private static String seconds(Duration d) {
        return d == null ? "-" : DurationText.seconds(d);
    }

    /**
     * One row per crash or dropped session: its round, the consumer generation, the ids in its
     * window (applied, not marked done) and how many of them were repeated, the messages in flight,
     * and the recovery time: until every message in flight at that moment was accounted for.
     */
    private void printDisruptions(PrintWriter out) {
        TextTable table = new TextTable("consumer taken away", "round>", "consumer>", "in window>", "repeated>",
                "in flight>", "recovered after>");
        for (ConsumerDisruption d : disruptions.subList(0, Math.min(MAX_DISRUPTION_ROWS, disruptions.size()))) {
            boolean crash = d.kind() == FaultKind.CRASH;
            table.row(d.trigger(), d.round(), d.generation(), crash ? d.window().size() : "-",
                    crash ? repeatsByCrash.getOrDefault(d, 0) : "-", d.inFlight(),
                    d.recovery() == null ? "not recovered" : DurationText.seconds(d.recovery()));
        }
        table.print(out, "  ");
        List<Duration> recoveries = disruptions.stream().map(ConsumerDisruption::recovery).filter(Objects::nonNull)
                .sorted(Comparator.naturalOrder()).toList();
        if (disruptions.size() > MAX_DISRUPTION_ROWS) {
            out.println("  ... and " + (disruptions.size() - MAX_DISRUPTION_ROWS) + " more");
        }
        if (!recoveries.isEmpty()) {
            out.println("  recovery: median " + DurationText.seconds(recoveries.get(recoveries.size() / 2)) + ", max "
                    + DurationText.seconds(recoveries.get(recoveries.size() - 1)) + " over " + recoveries.size()
                    + " (until every message in flight at that moment was applied or dead-lettered)");
        }
    }
}
