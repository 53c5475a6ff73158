package dev.keel.cli.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The faults of every round so far, per kind: how many were planned and injected, and what they did. */
final class FaultTally {

    /** One kind's totals. */
    private static final class Totals {
        long planned;
        long injected;
        Duration on = Duration.ZERO;
        long refused;
        long notJudged;
    }

    private final Map<FaultKind, Totals> totals = new EnumMap<>(FaultKind.class);
    private long lostReplies;

    /** Adds one round: its plan, when its faults ran, its publish outcome and the claim replies it lost. */
    void add(FaultPlan plan, Map<FaultPlan.Fault, FaultDriver.Run> runs, ConsumerGenerations generations,
             PublishOutcome outcome, boolean brokerCut, long roundLostReplies) {
        for (FaultPlan.Fault f : plan.faults()) {
            Totals t = totals.computeIfAbsent(f.kind(), k -> new Totals());
            t.planned++;
            FaultDriver.Run run = runs.get(f);
            boolean injected = switch (f.kind()) {
                case CRASH, CHANNEL_CLOSE, GRACEFUL_STOP -> generations.fired(f);
                case OVERSIZED -> true;
                default -> run != null && run.started();
            };
            if (injected) {
                t.injected++;
            }
            if (run != null && run.started() && !f.duration().isZero()) {
                t.on = t.on.plus(run.lasted());
            }
        }
        for (PublishOutcome.Oversized o : outcome.oversized) {
            PublishOutcome.Verdict verdict = o.verdict(brokerCut);
            if (verdict == PublishOutcome.Verdict.REFUSED) {
                totals.get(FaultKind.OVERSIZED).refused++;
            } else if (verdict == PublishOutcome.Verdict.NOT_JUDGED) {
                totals.get(FaultKind.OVERSIZED).notJudged++;
            }
        }
        lostReplies += roundLostReplies;
    }

    /** The report's fault table: kind, planned, injected, what they did. */
    List<VerifyReport.FaultRow> rows(List<ConsumerDisruption> disruptions, GuaranteeCheck.Summary summary,
                                     boolean dedup) {
        List<VerifyReport.FaultRow> rows = new ArrayList<>();
        totals.forEach((kind, t) -> rows.add(new VerifyReport.FaultRow(kind.label(), t.planned, t.injected,
                detail(kind, t, disruptions, summary, dedup))));
        return rows;
    }

    private String detail(FaultKind kind, Totals t, List<ConsumerDisruption> disruptions,
                          GuaranteeCheck.Summary summary, boolean dedup) {
        if (!dedup && (kind == FaultKind.LOST_CLAIM_REPLY || kind == FaultKind.FAILING_DONE
                || kind == FaultKind.SLOW_STORE)) {
            return "no store is used without dedup: nothing to act on";
        }
        return switch (kind) {
            case CRASH -> {
                if (!dedup) {
                    yield "no crash window without dedup: every repeat is a duplicate effect";
                }
                List<ConsumerDisruption> crashes = disruptions.stream().filter(d -> d.kind() == FaultKind.CRASH)
                        .toList();
                long inWindow = crashes.stream().filter(d -> !d.window().isEmpty()).count();
                long ids = crashes.stream().mapToLong(d -> d.window().size()).sum();
                yield inWindow + " landed after an effect and before done (" + ids + " ids in their windows), "
                        + summary.windowRepeats() + " of those repeated";
            }
            case LOST_CLAIM_REPLY -> lostReplies + " claim replies lost after the store ran the claim";
            case CHANNEL_CLOSE -> "sessions dropped while the consumer lived on; a new consumer took over";
            case GRACEFUL_STOP -> "consumers closed gracefully with a backlog and slow handlers; a new consumer took "
                    + "over (no repeat is admitted: a graceful stop has no crash window)";
            case OVERSIZED -> t.refused + " of " + t.injected + " refused with a typed, non-retriable error"
                    + (t.notJudged > 0 ? ", " + t.notJudged + " not judged (failed retriably while the broker was cut)"
                    : "");
            default -> String.format(Locale.ROOT, "on for %.1f s in all", t.on.toMillis() / 1000.0);
        };
    }
}
