package dev.keel.cli.outbox;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** What {@code verify --outbox} found in the database and on the wire, and its verdict. */
final class Checks {

    private static final int EXAMPLES = 5;

    private final long committed;
    private final long effects;
    private final long outboxLeft;
    private final List<String> lost = new ArrayList<>();
    private final List<String> duplicateEffects = new ArrayList<>();
    private final List<String> rolledBackPublished = new ArrayList<>();
    private final List<String> rolledBackApplied = new ArrayList<>();
    private final List<String> outOfOrder = new ArrayList<>();
    private final List<String> refusedNotParked = new ArrayList<>();
    private final List<String> parkedWithoutCause = new ArrayList<>();
    private final List<String> healthyParked = new ArrayList<>();
    private long refused;
    private long parked;

    private Checks(long committed, long effects, long outboxLeft) {
        this.committed = committed;
        this.effects = effects;
        this.outboxLeft = outboxLeft;
    }

    /**
     * @param refused the rows written for good refusal (id to why): each must be parked with a cause
     */
    static Checks of(OutboxDatabase db, Set<String> rolledBack, Set<String> onTheWire, Map<String, String> refused)
            throws SQLException {
        Map<String, Integer> orders = db.committedOrders();
        List<String[]> effects = db.effects();
        Checks checks = new Checks(orders.size(), effects.size(), db.pendingOutboxRows());
        Map<String, String> parked = db.parkedRows();
        checks.refused = refused.size();
        checks.parked = parked.size();
        refused.keySet().stream().filter(id -> !parked.containsKey(id)).sorted()
                .forEach(id -> checks.refusedNotParked.add(id + " (" + refused.get(id) + ")"));
        parked.forEach((id, cause) -> {
            if (!refused.containsKey(id)) {
                checks.healthyParked.add(id + " (" + cause + ")");
            } else if (cause == null || cause.isBlank()) {
                checks.parkedWithoutCause.add(id);
            }
        });
        Map<String, Integer> applied = new HashMap<>();
        Map<String, Integer> lastSeq = new HashMap<>();
        for (String[] e : effects) {
            String id = e[0];
            int seq = Integer.parseInt(e[2]);
            if (applied.merge(id, 1, Integer::sum) == 2) {
                checks.duplicateEffects.add(id);
            }
            if (rolledBack.contains(id) || !orders.containsKey(id)) {
                checks.rolledBackApplied.add(id);
            }
            Integer previous = lastSeq.put(e[1], seq);
            if (previous != null && previous > seq) {
                checks.outOfOrder.add(e[1] + ": " + previous + " then " + seq);
            }
        }
        orders.keySet().stream().filter(id -> !applied.containsKey(id)).sorted().forEach(checks.lost::add);
        rolledBack.stream().filter(onTheWire::contains).sorted().forEach(checks.rolledBackPublished::add);
        return checks;
    }

    boolean passed() {
        return lost.isEmpty() && duplicateEffects.isEmpty() && rolledBackPublished.isEmpty()
                && rolledBackApplied.isEmpty() && outOfOrder.isEmpty() && outboxLeft == 0 && refusedNotParked.isEmpty()
                && parkedWithoutCause.isEmpty() && healthyParked.isEmpty();
    }

    /** A line of the report: a figure and what it means. */
    record Row(String name, long value, String meaning) {
    }

    /**
     * @param consumerRows what the consumers went through (their crashes or kills), printed after the
     *                     deliveries
     */
    void print(PrintWriter out, int transactions, int rolledBack, long deliveries, String deliveriesMeaning,
               int relayCrashes, long republished,
               List<Row> consumerRows, double seconds) {
        row(out, "transactions", transactions, "each an order row and its outbox row");
        row(out, "committed", committed, "order rows committed: each event must be applied exactly once");
        row(out, "rolled back", rolledBack, "transactions rolled back: their events must never appear");
        row(out, "relay crashes", relayCrashes, "relays that lost confirmations before deleting, replaced");
        row(out, "republished", republished, "messages the relays published twice or more, with the same id");
        row(out, "deliveries", deliveries, deliveriesMeaning);
        consumerRows.forEach(r -> row(out, r.name(), r.value(), r.meaning()));
        row(out, "effects", effects, "effect rows");
        row(out, "refused rows", refused, "rows the relay can never publish: each must be parked with its cause");
        row(out, "parked", parked, "rows parked in the outbox table");
        out.println("  lost " + lost.size() + " · duplicate effect " + duplicateEffects.size()
                + " · rolled-back published " + rolledBackPublished.size() + " · rolled-back applied "
                + rolledBackApplied.size() + " · out of order " + outOfOrder.size() + " · outbox rows left "
                + outboxLeft + " · refused not parked " + refusedNotParked.size() + " · parked without cause "
                + parkedWithoutCause.size() + " · healthy row parked " + healthyParked.size());
        examples(out, "lost", lost);
        examples(out, "duplicate effect", duplicateEffects);
        examples(out, "rolled-back published", rolledBackPublished);
        examples(out, "rolled-back applied", rolledBackApplied);
        examples(out, "out of order", outOfOrder);
        examples(out, "refused not parked", refusedNotParked);
        examples(out, "parked without cause", parkedWithoutCause);
        examples(out, "healthy row parked", healthyParked);
        out.println((passed() ? "PASS: no violation" : "FAIL: violations above")
                + String.format(Locale.ROOT, " (%.1f s)", seconds));
    }

    private static void row(PrintWriter out, String name, long value, String meaning) {
        out.println(String.format(Locale.ROOT, "  %-20s %6d  %s", name, value, meaning));
    }

    private static void examples(PrintWriter out, String what, List<String> ids) {
        if (!ids.isEmpty()) {
            out.println("  " + what + ": " + String.join(", ", ids.subList(0, Math.min(EXAMPLES, ids.size())))
                    + (ids.size() > EXAMPLES ? ", ..." : ""));
        }
    }
}
