package dev.keel.cli.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The one line printed when a round ends: its messages, its faults and what became of them, its verdict. */
final class RoundLine {

    private RoundLine() {
    }

    static String of(RoundData round, Map<FaultPlan.Fault, FaultDriver.Run> runs, ConsumerGenerations generations,
                     List<ConsumerDisruption> disruptions, GuaranteeCheck.Summary summary, Violations violations,
                     long lostReplies, Duration elapsed) {
        PublishPlan plan = round.plan();
        List<String> faults = new ArrayList<>();
        for (FaultPlan.Fault f : round.faults().faults()) {
            faults.add(f.describe() + outcome(f, runs.get(f), generations, disruptions, round.outcome(),
                    round.brokerCut(), lostReplies));
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d (%.1f s): %d messages, %d "
                        + "duplicate publishes, %d poison; faults: %s", round.number(), elapsed.toMillis() / 1000.0,
                plan.originals().size(), plan.duplicatePublishes(), plan.poisonCount(),
                faults.isEmpty() ? "none" : String.join(", ", faults)));
        if (summary.windowRepeats() > 0) {
            line.append("; ").append(summary.windowRepeats()).append(" window repeat(s)");
        }
        if (violations.total() == 0) {
            line.append("; PASS");
        } else {
            List<String> kinds = new ArrayList<>();
            String first = null;
            for (ViolationKind kind : ViolationKind.values()) {
                if (violations.count(kind) > 0) {
                    kinds.add(kind.label() + " " + violations.count(kind));
                    if (first == null) {
                        first = violations.examples(kind).get(0);
                    }
                }
            }
            line.append("; FAIL: ").append(String.join(", ", kinds)).append(" (first: ").append(first).append(")");
        }
        return line.toString();
    }

    private static String outcome(FaultPlan.Fault f, FaultDriver.Run run, ConsumerGenerations generations,
                                  List<ConsumerDisruption> disruptions, PublishOutcome publishes, boolean brokerCut,
                                  long lostReplies) {
        return switch (f.kind()) {
            case CRASH, CHANNEL_CLOSE, GRACEFUL_STOP -> {
                if (!generations.fired(f)) {
                    yield f.kind() == FaultKind.CRASH ? " (not hit)" : " (not reached)";
                }
                ConsumerDisruption d = disruptions.stream().filter(x -> x.trigger().equals(f.describe())).findFirst()
                        .orElse(null);
                if (d == null) {
                    yield "";
                }
                String window = f.kind() == FaultKind.CRASH && !d.window().isEmpty()
                        ? " " + d.window().size() + " in window," : "";
                Duration recovery = d.recovery();
                yield " (" + window.trim() + (window.isEmpty() ? "" : " ")
                        + (recovery == null ? "not recovered" : "recovered " + DurationText.seconds(recovery)) + ")";
            }
            case OVERSIZED -> publishes.oversized.stream().filter(o -> o.fault() == f).findFirst()
                    .map(o -> " " + o.verdict(brokerCut).label()).orElse("");
            case LOST_CLAIM_REPLY -> run == null || !run.started() ? " (not reached)" : " (" + lostReplies + " lost)";
            default -> run == null || !run.started() ? " (not reached)" : "";
        };
    }
}
