package dev.keel.cli.verify;

import dev.keel.KeelException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Judges what rounds left behind against the guarantees: nothing confirmed lost, no duplicate
 * effect beyond what the crash window admits, per-key order, poison messages in the dead letters
 * with their cause, oversized messages refused with a typed error without disturbing the rest.
 *
 * <p><b>The crash window</b> (README, "The crash window"): a consumer that crashes after a
 * handler's effect and before the id is marked done has the message handled again; at most one
 * message per key is in that window, so a crash repeats at most one message of each key, never
 * out of order. A repeat is admitted when its id was in the window of a crash (it was applied, not
 * marked done, when the consumer crashed), at most once per such crash; a crash whose window held
 * two messages of one key, or an id repeated more often than crashes had it in their window, is a
 * {@link ViolationKind#CRASH_WINDOW_EXCEEDED}; a repeat of an id no crash had in its window is a
 * {@link ViolationKind#DUPLICATE_EFFECT}. An admitted repeat must come before any later message of
 * its key (no {@code m1, m2, m1}).
 */
final class GuaranteeCheck {

    /**
     * What the check found besides violations.
     *
     * @param windowRepeats  repeated effects the crash window admits
     * @param repeatsByCrash of those, per crash
     */
    record Summary(long windowRepeats, Map<ConsumerDisruption, Integer> repeatsByCrash) {
    }

    private final EffectLedger ledger;
    private final DeadLetterCollector deadLetters;
    private final List<ConsumerDisruption> disruptions;
    private final ToIntFunction<String> brokerOrder;
    private final Set<String> leaseLost;
    private final boolean perKeyOrder;

    /**
     * @param brokerOrder the position of an id among its key's messages as the broker holds them,
     *                    or -1 when unknown (then the publish order is expected)
     * @param leaseLost   the ids whose marking done found their lease expired (LEASE_LOST)
     */
    GuaranteeCheck(EffectLedger ledger, DeadLetterCollector deadLetters, List<ConsumerDisruption> disruptions,
                   ToIntFunction<String> brokerOrder, Set<String> leaseLost) {
        this(ledger, deadLetters, disruptions, brokerOrder, leaseLost, true);
    }

    /**
     * @param perKeyOrder whether per-key order is checked, and a crash's window holding at most one message per key:
     *                    false for a share group, which keeps no order (its window may hold several of a key)
     */
    GuaranteeCheck(EffectLedger ledger, DeadLetterCollector deadLetters, List<ConsumerDisruption> disruptions,
                   ToIntFunction<String> brokerOrder, Set<String> leaseLost, boolean perKeyOrder) {
        this.perKeyOrder = perKeyOrder;
        this.ledger = ledger;
        this.deadLetters = deadLetters;
        this.disruptions = List.copyOf(disruptions);
        this.brokerOrder = brokerOrder;
        this.leaseLost = Set.copyOf(leaseLost);
    }

    /** Checks {@code rounds}, adding what it finds to {@code violations}. */
    Summary check(Collection<RoundData> rounds, Violations violations) {
        Map<String, Integer> seqOf = new HashMap<>();
        Set<String> poisonIds = new HashSet<>();
        for (RoundData round : rounds) {
            checkMessages(round, violations, seqOf, poisonIds);
            checkOversized(round, violations, seqOf);
        }
        deadLetters.all().keySet().stream().filter(id -> owned(rounds, id) && !poisonIds.contains(id)).sorted()
                .forEach(id -> violations.add(ViolationKind.UNEXPECTED_DEAD_LETTER, id + " is healthy, yet was "
                        + "dead-lettered (cause " + deadLetters.get(id).causeMessage() + ")"));
        Map<String, Integer> windows = new HashMap<>();
        List<ConsumerDisruption> crashes = new ArrayList<>();
        for (ConsumerDisruption d : disruptions) {
            if (d.kind() == FaultKind.CRASH && rounds.stream().anyMatch(r -> r.number() == d.round())) {
                crashes.add(d);
                if (perKeyOrder) { // one message per key in the window: a key's next message waits for its done mark
                    checkWindow(d, violations);
                }
            }
            if (d.kind() == FaultKind.CRASH) {
                d.window().keySet().forEach(id -> windows.merge(id, 1, Integer::sum));
            }
        }
        long admitted = checkRepeats(rounds, windows, violations);
        if (perKeyOrder) {
            checkOrder(rounds, seqOf, windows, violations);
        }
        Map<ConsumerDisruption, Integer> byCrash = new LinkedHashMap<>();
        for (ConsumerDisruption d : crashes) {
            byCrash.put(d, (int) d.window().keySet().stream().filter(id -> ledger.times(id) > 1).count());
        }
        return new Summary(admitted, byCrash);
    }

    private void checkMessages(RoundData round, Violations violations, Map<String, Integer> seqOf,
                               Set<String> poisonIds) {
        for (PublishPlan.Planned p : round.plan().originals()) {
            seqOf.put(p.id(), p.seq());
            if (p.poison()) {
                poisonIds.add(p.id());
            }
            if (!round.outcome().confirmedIds.contains(p.id())) {
                continue;
            }
            if (!p.poison() && !ledger.applied(p.id())) {
                violations.add(ViolationKind.LOST, p.id() + " (key " + p.key() + ", seq " + p.seq() + ") confirmed, "
                        + "never applied");
            }
            if (p.poison()) {
                DeadLetterCollector.DeadLetter dl = deadLetters.get(p.id());
                if (dl == null) {
                    violations.add(ViolationKind.DEAD_LETTER_MISSING, p.id() + " not in the dead letters");
                } else if (!dl.hasCause() || !dl.causeMessage().contains(PoisonMessageException.MESSAGE_PREFIX)) {
                    violations.add(ViolationKind.DEAD_LETTER_WITHOUT_CAUSE, p.id() + ": cause class "
                            + dl.causeClass() + ", cause message " + dl.causeMessage());
                }
            }
        }
    }

    /**
     * Each oversized message must fail with a non-retriable {@link KeelException} (the same message
     * would fail again) and never arrive; while the broker's connection was cut, a retriable failure
     * is not judged (the broker never saw the message). While it was not cut, no healthy publish of
     * its round may fail.
     */
    private void checkOversized(RoundData round, Violations violations, Map<String, Integer> seqOf) {
        List<PublishOutcome.Oversized> oversized = round.outcome().oversized;
        for (PublishOutcome.Oversized o : oversized) {
            String what = shortId(o.id()) + " (" + o.fault().describe() + ")";
            seqOf.put(o.id(), 0);
            switch (o.verdict(round.brokerCut())) {
                case ACCEPTED -> {
                    violations.add(ViolationKind.OVERSIZED, what + " was confirmed: expected a typed refusal");
                    continue;
                }
                case UNTYPED -> violations.add(ViolationKind.OVERSIZED, what + " failed with " + describe(o.error())
                        + ": expected a non-retriable KeelException saying what is too large");
                default -> {
                    // refused as it should be, or failed while the broker was cut: its size never judged
                }
            }
            if (ledger.applied(o.id()) || deadLetters.contains(o.id())) {
                violations.add(ViolationKind.OVERSIZED, what + " was delivered, though its publish failed");
            }
        }
        if (!oversized.isEmpty() && !round.brokerCut()) {
            round.outcome().failures.forEach((id, error) -> violations.add(ViolationKind.OVERSIZED, "the publish of "
                    + id + " failed beside the oversized ones, with no broker fault: " + describe(error)));
        }
    }

    private void checkWindow(ConsumerDisruption crash, Violations violations) {
        Map<String, List<String>> byKey = new HashMap<>();
        crash.window().forEach((id, key) -> byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(id));
        byKey.forEach((key, ids) -> {
            if (ids.size() > 1) {
                violations.add(ViolationKind.CRASH_WINDOW_EXCEEDED, "the crash of consumer " + crash.generation()
                        + " (round " + crash.round() + ") found " + ids.size() + " messages of key " + key
                        + " between their effect and being marked done: " + ids.stream().sorted().toList());
            }
        });
    }

    private long checkRepeats(Collection<RoundData> rounds, Map<String, Integer> windows, Violations violations) {
        long admitted = 0;
        for (String id : ledger.duplicatedIds()) {
            if (!owned(rounds, id)) {
                continue;
            }
            int times = ledger.times(id);
            int allowed = windows.getOrDefault(id, 0);
            String why = leaseLost.contains(id) ? " (marking it done found its lease expired: LEASE_LOST)" : "";
            if (allowed == 0) {
                violations.add(ViolationKind.DUPLICATE_EFFECT, shortId(id) + " applied " + times + " times" + why);
            } else if (times - 1 > allowed) {
                violations.add(ViolationKind.CRASH_WINDOW_EXCEEDED, shortId(id) + " applied " + times + " times; "
                        + allowed + " crash(es) had it in their window, so at most " + (allowed + 1) + " are admitted"
                        + why);
                admitted += allowed;
            } else {
                admitted += times - 1;
            }
        }
        return admitted;
    }

    /**
     * Per key, first effects must follow the broker's order (or the publish order), and a window
     * repeat must be of the key's latest message.
     */
    private void checkOrder(Collection<RoundData> rounds, Map<String, Integer> seqOf, Map<String, Integer> windows,
                            Violations violations) {
        for (String key : ledger.keys()) {
            if (rounds.stream().noneMatch(r -> r.ownsKey(key))) {
                continue;
            }
            int lastOrder = -1;
            EffectLedger.Applied last = null;
            for (EffectLedger.Applied e : ledger.events(key)) {
                if (e.repeat()) {
                    if (windows.containsKey(e.id()) && last != null && !last.id().equals(e.id())) {
                        violations.add(ViolationKind.OUT_OF_ORDER, "key " + key + ": seq " + e.seq() + " ("
                                + shortId(e.id()) + ") applied again after seq " + last.seq() + " (m1, m2, m1)");
                    }
                    continue;
                }
                int order = brokerOrder.applyAsInt(e.id());
                if (order < 0) {
                    order = seqOf.getOrDefault(e.id(), e.seq());
                }
                if (order < lastOrder) {
                    violations.add(ViolationKind.OUT_OF_ORDER, "key " + key + ": seq " + e.seq() + " ("
                            + shortId(e.id()) + where(e) + ") applied after seq " + last.seq() + where(last));
                    continue;
                }
                lastOrder = order;
                last = e;
            }
        }
    }

    private static String where(EffectLedger.Applied e) {
        return e.where().isEmpty() ? "" : " by " + e.where();
    }

    private static boolean owned(Collection<RoundData> rounds, String id) {
        return rounds.stream().anyMatch(r -> r.owns(id));
    }

    static String describe(Throwable error) {
        KeelException k = PublishOutcome.keelCause(error);
        Throwable shown = k != null ? k : error;
        String message = String.valueOf(shown.getMessage());
        return shown.getClass().getSimpleName() + (k != null ? (k.isRetriable() ? " (retriable)" : "") : "")
                + ": " + (message.length() > 200 ? message.substring(0, 200) + "..." : message);
    }

    /** An oversized id is shown by its first characters and its length. */
    static String shortId(String id) {
        return id.length() <= 80 ? id : id.substring(0, 40) + "...(" + id.length() + " chars)";
    }
}
