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
        return leases.stream().map(lease -> claim(lease, leaseMillis)).toList();
    }

    private ClaimResult claim(Lease lease, long leaseMillis) {
        Row row = live(lease.id());
        if (row == null || (row.state() == PROCESSING && row.token().equals(lease.token()))) {
            Row claimed = new Row(lease.token(), PROCESSING, now + leaseMillis);
            if (!claimed.equals(rows.get(lease.id()))) {
                put(lease.id(), claimed);
            }
            return ClaimResult.claimed(lease.token());
        }
        return row.state() == DONE ? ClaimResult.duplicate() : ClaimResult.busy();
    }

    /** Completes each lease in order, as the store contract says. */
    public List<LeaseOutcome> completeAll(List<Lease> leases, long retentionMillis) {
        return leases.stream().map(lease -> complete(lease, retentionMillis)).toList();
    }

    private LeaseOutcome complete(Lease lease, long retentionMillis) {
        Row row = live(lease.id());
        if (row == null || !row.token().equals(lease.token())) {
            return LeaseOutcome.LOST;
        }
        if (row.state() == PROCESSING) {
            put(lease.id(), new Row(lease.token(), DONE, now + retentionMillis));
        }
        return LeaseOutcome.APPLIED;
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
