package dev.keel.outbox.jdbc.internal;

import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's work: rounds, each one transaction that locks a group of lanes ({@code FOR UPDATE SKIP
 * LOCKED}: lanes another relay holds are skipped), reads the oldest pending rows of those lanes in
 * sequence order, publishes them pipelined, waits for the broker's confirmations, deletes each key's
 * confirmed prefix and commits. A row is deleted only when it and every earlier row of its key (on its
 * topic) in the round were confirmed: after a failed or timed-out publish, the later rows of that key
 * stay even if the broker confirmed them, and go out again after it in a later round, with the same
 * ids (consumers deduplicate). A crash before the commit leaves every row in place (and the lanes
 * free), so its messages are published again, with the same ids. Not thread-safe: one drain at a time.
 */
public final class RelayRounds {

    private static final Logger LOG = LoggerFactory.getLogger(RelayRounds.class);

    /**
     * What one round did: rows read, rows confirmed and deleted, rows whose publish failed or was not
     * confirmed in time, and rows kept although confirmed because an earlier row of their key failed.
     */
    public record Round(int read, int confirmed, int failed, int kept) {
    }

    private final DataSource dataSource;
    private final Publisher publisher;
    private final String tablePrefix;
    private final int batchSize;
    private final int lanesPerRound;
    private final Duration confirmTimeout;
    private OutboxTable table;
    private List<Integer> lanes;
    private int nextGroup;

    public RelayRounds(DataSource dataSource, Publisher publisher, String tablePrefix, int batchSize, int lanesPerRound,
                       Duration confirmTimeout) {
        this.dataSource = dataSource;
        this.publisher = publisher;
        this.tablePrefix = tablePrefix;
        this.batchSize = batchSize;
        this.lanesPerRound = lanesPerRound;
        this.confirmTimeout = confirmTimeout;
    }

    /** The table, its dialect found on a first connection. */
    public OutboxTable table() throws SQLException {
        if (table == null) {
            try (Connection connection = dataSource.getConnection()) {
                table = new OutboxTable(tablePrefix, Dialect.of(connection));
            }
        }
        return table;
    }

    /**
     * Publishes pending rows, round after round over every group of lanes, until a whole cycle over
     * the lanes finds nothing, a round has a failed publish (those rows stay for a later drain), or
     * {@code stopped} says so. Returns how many rows were published and deleted.
     */
    public long drain(BooleanSupplier stopped) throws SQLException {
        List<Integer> all = lanes();
        int groups = (all.size() + lanesPerRound - 1) / lanesPerRound;
        long published = 0;
        int readInCycle = 0;
        int roundsInCycle = 0;
        while (!stopped.getAsBoolean()) {
            Round round = round(all.get((nextGroup % groups) * lanesPerRound), all.size());
            published += round.confirmed();
            if (round.failed() > 0) {
                LOG.warn("outbox relay: {} of {} messages were not confirmed by the broker, and {} later messages of"
                        + " their keys are kept behind them; they stay in {} and are published again (same ids) in a"
                        + " later round", round.failed(), round.read(), round.kept(), table.table());
                break;
            }
            readInCycle += round.read();
            if (round.read() >= batchSize) {
                continue; // this group has more
            }
            nextGroup = (nextGroup + 1) % groups;
            if (++roundsInCycle >= groups) {
                if (readInCycle == 0) {
                    break;
                }
                readInCycle = 0;
                roundsInCycle = 0;
            }
        }
        return published;
    }

    private List<Integer> lanes() throws SQLException {
        if (lanes == null) {
            OutboxTable outbox = table();
            List<Integer> found;
            try (Connection connection = dataSource.getConnection()) {
                found = outbox.lanes(connection);
            }
            for (int i = 0; i < found.size(); i++) {
                if (found.get(i) != i) {
                    throw new IllegalStateException("table " + tablePrefix + "outbox_lane must hold the lanes 0 to n-1,"
                            + " found " + found + ": insert them as the shipped script does");
                }
            }
            if (found.isEmpty()) {
                throw new IllegalStateException("table " + tablePrefix + "outbox_lane holds no lanes: insert 0 to n-1"
                        + " as the shipped script does (16 lanes)");
            }
            lanes = found;
        }
        return lanes;
    }

    private Round round(int fromLane, int laneCount) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return Transactions.inTransaction(connection, tx -> {
                List<Integer> locked = table.lockLanes(tx, fromLane, lanesPerRound);
                if (locked.isEmpty()) {
                    return new Round(0, 0, 0, 0);
                }
                List<OutboxTable.Row> rows = table.pending(tx, laneCount, locked, batchSize);
                return publish(rows, confirmed -> table.delete(tx, confirmed));
            });
        }
    }

    /** Deletes confirmed rows in the round's transaction. */
    private interface Deletion {
        void delete(List<Long> seqs) throws SQLException;
    }

    /** A row's ordering scope: its topic and key; keyless rows are ordered with nothing. */
    private record KeyOnTopic(String topic, String key) {
    }

    /**
     * Publishes the rows pipelined, in order, and deletes each key's confirmed prefix: a row confirmed in
     * time whose key had no earlier failure in this round.
     */
    private Round publish(List<OutboxTable.Row> rows, Deletion deletion) throws SQLException {
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>(rows.size());
        for (OutboxTable.Row row : rows) {
            CompletableFuture<PublishReceipt> future;
            try {
                future = publisher.publishAsync(row.topic(), row.message()).toCompletableFuture();
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            sent.add(future);
        }
        long deadline = System.nanoTime() + confirmTimeout.toNanos();
        List<Long> confirmed = new ArrayList<>(rows.size());
        Set<KeyOnTopic> failedKeys = new HashSet<>();
        int failed = 0;
        int kept = 0;
        for (int i = 0; i < rows.size(); i++) {
            OutboxTable.Row row = rows.get(i);
            KeyOnTopic key = row.message().key() == null ? null : new KeyOnTopic(row.topic(), row.message().key());
            if (key != null && failedKeys.contains(key)) {
                kept++; // behind a failed row of its key: deleting it would let it overtake that row
                continue;
            }
            try {
                sent.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                confirmed.add(row.seq());
            } catch (ExecutionException | TimeoutException e) {
                failed++;
                if (key != null) {
                    failedKeys.add(key);
                }
                LOG.debug("outbox message {} to {} not confirmed: {}", row.message().id(), row.topic(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed = rows.size() - confirmed.size() - kept; // this row and the rest: outcome unknown, kept
                break;
            }
        }
        deletion.delete(confirmed);
        return new Round(rows.size(), confirmed.size(), failed, kept);
    }
}
