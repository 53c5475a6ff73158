package dev.keel.outbox.jdbc.internal;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The inbox rows of one batch, as locked and read in its transaction, and the store's rules applied
 * to them in order, in memory: claim, complete and release change these rows, and
 * {@link #changed()} tells what the transaction must write back. A row past its expiry counts as absent.
 */
public final class InboxRows {

    /** Processing: a claim holds the id. */
    public static final char PROCESSING = 'P';
    /** Done: the id's effect was applied. */
    public static final char DONE = 'D';
    /** Dead: the id was dead-lettered; a duplicate to a plain claim, claimable by a re-driven one. */
    public static final char DEAD = 'X';

    /** One row: owner token, state, and the epoch millisecond it expires at. */
    public record Row(String token, char state, long expiresAt) {
        public Row {
            Objects.requireNonNull(token, "token");
        }
    }

    private final long now;
    private final Map<String, Row> rows;
    private final Map<String, Row> changed = new LinkedHashMap<>();

    /** {@code rows} as read (absent ids are missing), judged at {@code now} (epoch millis). */
    public InboxRows(Map<String, Row> rows, long now) {
        this.rows = new HashMap<>(rows);
        this.now = now;
    }

    private Row live(String id) {
        Row row = rows.get(id);
        return row != null && row.expiresAt() > now ? row : null;
    }

    private void put(String id, Row row) {
        rows.put(id, row);
        changed.put(id, row);
    }

    /** Claims each lease in order, as the store contract says. */
    public List<ClaimResult> claimAll(List<Lease> leases, long leaseMillis) {
        return claimAll(leases, leaseMillis, false);
    }

    /** Claims each lease in order; {@code redriven} claims take dead ids too (dead → processing). */
    public List<ClaimResult> claimAll(List<Lease> leases, long leaseMillis, boolean redriven) {
        return leases.stream().map(lease -> claim(lease, leaseMillis, redriven)).toList();
    }

    private ClaimResult claim(Lease lease, long leaseMillis, boolean redriven) {
        Row row = live(lease.id());
        if (row == null || (row.state() == PROCESSING && row.token().equals(lease.token()))
                || (redriven && row.state() == DEAD)) {
            Row claimed = new Row(lease.token(), PROCESSING, now + leaseMillis);
            if (!claimed.equals(rows.get(lease.id()))) {
                put(lease.id(), claimed);
            }
            return ClaimResult.claimed(lease.token());
        }
        return row.state() == PROCESSING ? ClaimResult.busy() : ClaimResult.duplicate();
    }

    /** Completes each lease in order, as the store contract says. */
    public List<LeaseOutcome> completeAll(List<Lease> leases, long retentionMillis) {
        return completeAll(leases, retentionMillis, DONE);
    }

    /** Completes each lease in order into {@code finalState} (DONE, or DEAD for a dead letter). */
    public List<LeaseOutcome> completeAll(List<Lease> leases, long retentionMillis, char finalState) {
        return leases.stream().map(lease -> complete(lease, retentionMillis, finalState)).toList();
    }

    private LeaseOutcome complete(Lease lease, long retentionMillis, char finalState) {
        Row row = live(lease.id());
        if (row == null || !row.token().equals(lease.token())) {
            return LeaseOutcome.LOST;
        }
        if (row.state() == PROCESSING) {
            put(lease.id(), new Row(lease.token(), finalState, now + retentionMillis));
            return LeaseOutcome.APPLIED;
        }
        return row.state() == finalState ? LeaseOutcome.APPLIED : LeaseOutcome.LOST;
    }

    /** Whether {@code lease} holds a live claim (processing by its token); releasing it deletes the row. */
    public boolean releasable(Lease lease) {
        Row row = live(lease.id());
        return row != null && row.state() == PROCESSING && row.token().equals(lease.token());
    }

    /** Whether {@code id} is done and not yet past its retention. */
    public boolean isDone(String id) {
        Row row = live(id);
        return row != null && row.state() == DONE;
    }

    /** The row of {@code id} as it stands (maybe expired), or null. */
    public Row row(String id) {
        return rows.get(id);
    }

    /** The rows changed since they were read, by id, to be written back. */
    public Map<String, Row> changed() {
        return changed;
    }
}
