package dev.keel.outbox.jdbc.internal;

import dev.keel.Publisher;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.outbox.jdbc.OutboxRefusedException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's work: rounds, each one transaction that locks a group of lanes ({@code FOR UPDATE SKIP
 * LOCKED}: lanes another relay holds are skipped), reads the oldest publishable rows of those lanes in
 * sequence order, publishes them ({@link RoundSends}: one at a time per key, pipelined across keys),
 * deletes the confirmed rows, parks the rows refused for good, and commits.
 *
 * <p>A drain works every group of lanes in passes, as long as a pass over them moves a row (publishes or
 * parks it). In a pass the groups' rounds run side by side on the worker pool, each group on a connection of its
 * own that it keeps for all its rounds of the pass (a group's lanes are locked by one transaction at a time, so a
 * key's rows are still published by one round at a time, in sequence order); the pass ends when every group's
 * rounds ended, and only this drain's thread keeps the drain's state. A group whose round had a retriable failure (or a publish not confirmed in time) is left
 * for the rest of the drain, and, in the relay's own drains, for a poll interval: the other groups go
 * on, and the failed rows, with the rows of their keys behind them, are tried again then. A refused
 * row is parked ({@code parked_at}, {@code park_cause}; counted as {@link MetricEvent#OUTBOX_PARKED},
 * logged at WARN with its id and cause) and never picked again; the later rows of its key are not
 * picked either until it is re-queued or deleted. A crash before the commit leaves every row in place
 * (and the lanes free), so its messages are published again, with the same ids. Not thread-safe: one
 * drain at a time.
 */
public final class RelayRounds implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelayRounds.class);
    /**
     * How long a round waits past the confirm timeout for the outcome of publishes still outstanding, their lanes
     * locked: a Keel publisher completes every publish within its own timeout (30 s by default); one not completed
     * even then counts as failed, and its row is sent again.
     */
    public static final Duration LATE_OUTCOME_WAIT = Duration.ofMinutes(2);
    /**
     * The most keys a round leaves out of its later pages (each two bound parameters), and the most failed publishes
     * after which it reads no further page: past that many failing keys (or failing keyless rows) in a group of
     * lanes, its newer rows wait for a later round.
     */
    static final int MAX_HELD_KEYS = 1_000;

    /**
     * What one round did: rows read, confirmed and deleted, parked, failed (retriably, or not confirmed
     * in time), and held back unsent behind a failed or parked row of their key; and whether the
     * publisher was found closed; and the first retriable failure's description (null when none).
     */
    public record Round(int read, int confirmed, int parked, int failed, int held, boolean publisherClosed,
                        String firstFailure) {
        static final Round EMPTY = new Round(0, 0, 0, 0, 0, false, null);
        /**
         * A round that found its lanes held by another transaction ({@code SKIP LOCKED} took none): another relay's, or
         * a session of this relay's that lost its client and that the database has not ended yet.
         */
        static final Round LANES_HELD = new Round(0, 0, 0, 0, 0, false, null);

        /** Rows that left the relay's work: published, or parked. */
        int moved() {
            return confirmed + parked;
        }

        /** This round and a later page of it, together. */
        Round plus(Round page) {
            return new Round(read + page.read, confirmed + page.confirmed, parked + page.parked, failed + page.failed,
                    held + page.held, publisherClosed || page.publisherClosed,
                    firstFailure != null ? firstFailure : page.firstFailure);
        }
    }

    private final DataSource dataSource;
    private final Publisher publisher;
    private final String tablePrefix;
    private final int batchSize;
    private final int lanesPerRound;
    private final Duration confirmTimeout;
    private final long retryDelayNanos;
    private final Clock clock;
    private final MetricsRecorder metrics;
    /** Where the rounds of a pass's groups run side by side; {@code null}: one after the other, in the drain's thread. */
    private final Executor workerPool;
    private final RelayConnections connections;
    /** Per group of lanes whose last round failed: the nano time before which the relay's drains skip it. */
    private final Map<Integer, Long> retryAfter = new HashMap<>();
    /** Per group of lanes whose last round failed with a database error: that error (read by other threads). */
    private final Map<Integer, SQLException> failing = new ConcurrentHashMap<>();
    private OutboxTable table;
    private List<Integer> lanes;
    private int nextGroup;
    /** Rounds failed since the last one that published (0: none): the first is told at WARN, the end at INFO. */
    private long failedRounds;

    /**
     * Rounds of {@code batchSize} rows over {@code lanesPerRound} lanes, each waiting at most
     * {@code confirmTimeout} for its confirms; a group of lanes whose round failed is tried again after
     * {@code retryDelay}; every connection waits at most {@code networkTimeout} for a reply of the database; rows are parked at {@code clock}'s time and counted on {@code metrics}. The groups of a
     * pass run side by side on {@code workerPool} ({@code null}: one after the other in the drain's thread).
     */
    public RelayRounds(DataSource dataSource, Publisher publisher, String tablePrefix, int batchSize, int lanesPerRound,
                       Duration confirmTimeout, Duration retryDelay, Duration networkTimeout, Clock clock,
                       MetricsRecorder metrics, Executor workerPool) {
        this.dataSource = dataSource;
        this.publisher = publisher;
        this.tablePrefix = tablePrefix;
        this.batchSize = batchSize;
        this.lanesPerRound = lanesPerRound;
        this.confirmTimeout = confirmTimeout;
        this.retryDelayNanos = retryDelay.toNanos();
        this.clock = clock;
        this.metrics = metrics;
        this.workerPool = workerPool;
        this.connections = new RelayConnections(dataSource, networkTimeout, confirmTimeout.plus(LATE_OUTCOME_WAIT));
    }

    /**
     * A connection of the relay's own from the data source, that waits at most the network timeout for each reply of
     * the database; the caller closes it, which gives the connection its earlier network timeout back.
     */
    public RelayConnection connect() throws SQLException {
        return connections.open();
    }

    /** The table, its dialect found on a first connection. */
    public OutboxTable table() throws SQLException {
        if (table == null) {
            try (RelayConnection connection = connect()) {
                table = new OutboxTable(tablePrefix, Dialect.of(connection.connection()));
            }
        }
        return table;
    }

    /**
     * Fails, naming the script to apply, unless the table exists with every column this version needs; fails with an
     * {@link OutboxRefusedException} when the database refuses the login or a statement the relay runs (each tried on
     * no row, in a transaction rolled back).
     */
    public void checkTable() throws SQLException {
        try {
            OutboxTable outbox = table();
            try (RelayConnection connection = connect()) {
                outbox.checkColumns(connection.connection());
                outbox.checkRelayPrivileges(connection.connection());
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /**
     * Publishes pending rows, round after round over every group of lanes, until a whole pass over the
     * lanes moves no row, the publisher is found closed, or {@code stopped} says so. A group whose round
     * failed (a publish, or the database: a statement or the commit) is not worked again in this drain; with
     * {@code honourRetryDelay}, neither until its retry delay has passed; the other groups go on. Returns how many
     * rows were published and deleted.
     *
     * @throws SQLException when the database fails (a missing table or column told as such), once the other groups'
     *                      rounds ended; the rows stay. A group's database error is also kept, for
     *                      {@link #databaseFailure()}, until a round of that group commits
     */
    public long drain(BooleanSupplier stopped, boolean honourRetryDelay) throws SQLException {
        try {
            return drainGroups(stopped, honourRetryDelay);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** A missing table or column named with its script, a refusal named with what to grant, else {@code e}. */
    private SQLException translate(SQLException e) {
        String outbox = tablePrefix + "outbox";
        SQLException told = OutboxSchema.translate(e, outbox);
        DatabaseRefusals.Kind refusal = told == e ? DatabaseRefusals.of(e) : null;
        if (refusal == null) {
            return told;
        }
        String all = "SELECT, UPDATE and DELETE on " + outbox + " and SELECT and UPDATE on " + outbox + "_lane";
        String missing = refusal == DatabaseRefusals.Kind.CREDENTIALS ? null
                : e instanceof OutboxTable.PrivilegeCheckException refused ? refused.grant() : missingGrant();
        String advice = refusal == DatabaseRefusals.Kind.CREDENTIALS
                ? "check the user and password of the relay's DataSource (and its TLS certificates, if any)"
                : missing != null
                ? "grant the relay's user " + missing + " (all it needs: " + all + "; docs/outbox-inbox.md)"
                : "grant the relay's user " + all + " (docs/outbox-inbox.md)";
        return new OutboxRefusedException("the database refused the outbox relay (" + e.getMessage() + "): " + advice
                + ", then start the relay again; the rows stay in " + outbox + " (a batch published by a round the "
                + "refusal stopped was not deleted: it goes out again, with the same ids, when the relay runs again)", e);
    }

    /**
     * The grant a refusal met while running lacks, found by the start's check on a connection of its own (it changes
     * nothing); null when the check passes or cannot run (the refusal then names every grant).
     */
    private String missingGrant() {
        try (RelayConnection opened = connect()) {
            Connection connection = opened.connection();
            OutboxTable outbox = table();
            try {
                outbox.checkColumns(connection);
            } catch (SQLException e) {
                return DatabaseRefusals.of(e) == DatabaseRefusals.Kind.PRIVILEGE ? "SELECT on " + tablePrefix + "outbox"
                        : null;
            }
            outbox.checkRelayPrivileges(connection);
            return null;
        } catch (OutboxTable.PrivilegeCheckException e) {
            return DatabaseRefusals.of(e.getCause() instanceof SQLException cause ? cause : e)
                    == DatabaseRefusals.Kind.PRIVILEGE ? e.grant() : null;
        } catch (SQLException | RuntimeException e) {
            return null;
        }
    }

    private long drainGroups(BooleanSupplier stopped, boolean honourRetryDelay) throws SQLException {
        List<Integer> all = lanes();
        table();
        int groups = (all.size() + lanesPerRound - 1) / lanesPerRound;
        Set<Integer> failedInDrain = new HashSet<>();
        SQLException drainError = null;
        long published = 0;
        boolean moved = true;
        while (moved && !stopped.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
            moved = false;
            List<Integer> todo = new ArrayList<>(groups);
            for (int step = 0; step < groups; step++) {
                int group = nextGroup;
                nextGroup = (nextGroup + 1) % groups;
                if (!failedInDrain.contains(group) && !(honourRetryDelay && waiting(group))) {
                    todo.add(group);
                }
            }
            boolean publisherClosed = false;
            for (GroupRun run : runPass(todo, all, stopped)) {
                published += run.published();
                moved |= run.moved();
                if (run.error() != null) {
                    // a database error (a DELETE a trigger refuses, a read-only database, an outage): the group waits
                    // as after a failed publish, so a round that published and could not commit does not publish its
                    // batch again at every wake, and the error is told until a round of the group commits
                    failedInDrain.add(run.group());
                    retryAfter.put(run.group(), System.nanoTime() + retryDelayNanos);
                    failing.put(run.group(), translate(run.error()));
                    if (drainError == null) {
                        drainError = run.error(); // thrown once the drain ends, told by drain()
                    } else if (drainError != run.error()) {
                        drainError.addSuppressed(run.error());
                    }
                    continue;
                }
                if (run.tookLanes()) {
                    // only a round that took its lanes and committed clears the error: one that found them held
                    // (by a session of this relay that lost its client, say) says nothing of the database's health
                    failing.remove(run.group());
                }
                Round round = run.last();
                publisherClosed |= round.publisherClosed();
                if (round.failed() > 0) {
                    failedInDrain.add(run.group());
                    retryAfter.put(run.group(), System.nanoTime() + retryDelayNanos);
                    reportFailed(round);
                } else {
                    retryAfter.remove(run.group());
                    if (round.confirmed() > 0 && failedRounds > 0) {
                        LOG.info("outbox relay: publishing again ({} round(s) had failed)", failedRounds);
                        failedRounds = 0;
                    }
                }
            }
            if (publisherClosed) {
                LOG.warn("outbox relay: the publisher is closed, so nothing is published; the rows stay in {}"
                        + " (close the relay before the Keel whose publisher it uses)", table.table());
                break;
            }
        }
        if (drainError != null) {
            throw drainError;
        }
        return published;
    }

    /**
     * The database error a group of lanes' latest round failed with, for a group whose rounds have not committed since
     * (the error of one of them when several fail); empty when none fails. Thread-safe.
     */
    public Optional<SQLException> databaseFailure() {
        for (SQLException e : failing.values()) {
            return Optional.of(e);
        }
        return Optional.empty();
    }

    /**
     * What one group's rounds of a pass came to: rows published, whether any moved, its last round, and the database
     * error its last round failed with (then {@code last} is {@link Round#EMPTY}), or null.
     */
    private record GroupRun(int group, long published, boolean moved, boolean tookLanes, Round last,
                            SQLException error) {
    }

    /** How far a group's rounds of a pass got: rounds committed, rounds that published, rows published, rows moved. */
    private static final class Progress {
        int committed;
        /** Rounds that took their lanes (some of them) and committed. */
        int tookLanes;
        int publishing;
        long published;
        boolean moved;
    }

    /**
     * One pass: the rounds of each group in {@code todo}, up to {@code workers} groups at once on the worker pool
     * (each group on a connection of its own), or one after the other in the calling thread with one worker. Returns
     * once every group's rounds ended, so a drain never leaves a round running; the first refusal is thrown then (a
     * group's other database errors come back in its {@link GroupRun}).
     */
    private List<GroupRun> runPass(List<Integer> todo, List<Integer> all, BooleanSupplier stopped)
            throws SQLException {
        List<GroupRun> runs = new ArrayList<>(todo.size());
        if (workerPool == null || todo.size() < 2) {
            for (int group : todo) {
                if (stopped.getAsBoolean()) {
                    break;
                }
                runs.add(runGroup(group, all, stopped));
            }
            return runs;
        }
        List<CompletableFuture<GroupRun>> started = new ArrayList<>(todo.size());
        // a refusal seen by one group's round: the groups that have not started yet do not (each would publish its
        // batch and be refused its delete too); those under way finish
        AtomicBoolean refusedInPass = new AtomicBoolean();
        for (int group : todo) {
            try {
                started.add(CompletableFuture.supplyAsync(() -> {
                    if (refusedInPass.get()) {
                        return null;
                    }
                    try {
                        return runGroup(group, all, stopped);
                    } catch (SQLException e) {
                        if (DatabaseRefusals.of(e) != null) {
                            refusedInPass.set(true);
                        }
                        throw new CompletionException(e);
                    }
                }, workerPool));
            } catch (RejectedExecutionException e) {
                break; // the relay is closing: the groups not started wait for the next relay
            }
        }
        Throwable failure = null;
        for (CompletableFuture<GroupRun> run : started) {
            try {
                GroupRun done = run.join(); // uninterruptible: a round is never abandoned while it holds its lanes
                if (done != null) {
                    runs.add(done);
                }
            } catch (CompletionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure instanceof SQLException sql) {
            throw sql;
        } else if (failure instanceof RuntimeException runtime) {
            throw runtime;
        } else if (failure instanceof Error error) {
            throw error;
        }
        return runs;
    }

    /**
     * The rounds of one group on one connection (kept between rounds and drains: see {@link RelayConnections}), as
     * long as each reads a full batch, moves it, and fails nothing. A kept connection that fails (the database ended
     * the idle session, a restart, a network cut while the relay was idle) is closed and the group's rounds run again
     * at once on a new connection, not after a poll interval; a round that failed after publishing leaves its rows,
     * which go out again with the same ids, as after a failed commit.
     */
    private GroupRun runGroup(int group, List<Integer> all, BooleanSupplier stopped) throws SQLException {
        Progress progress = new Progress();
        try {
            return runGroup(group, all, stopped, progress);
        } catch (SQLException e) {
            if (DatabaseRefusals.of(e) != null) {
                throw e; // a refusal stops the relay
            }
            return new GroupRun(group, progress.published, progress.moved, progress.tookLanes > 0, Round.EMPTY, e);
        }
    }

    private GroupRun runGroup(int group, List<Integer> all, BooleanSupplier stopped, Progress progress)
            throws SQLException {
        RelayConnections.Taken taken = connections.take();
        if (!taken.kept()) {
            return runGroup(group, all, stopped, taken.connection(), progress);
        }
        try {
            return runGroup(group, all, stopped, taken.connection(), progress);
        } catch (SQLException e) {
            if (progress.committed > 0 || progress.publishing > 0) {
                // the connection served this pass already, or the round failed after it published (a refused
                // DELETE, say): a failure of the database, not of an idle session; running the round again at once
                // would publish its batch again
                throw e;
            }
            LOG.debug("outbox relay: a kept connection failed ({}); running the round again on a new one", e.toString());
            return runGroup(group, all, stopped, connections.fresh(), progress);
        }
    }

    /** The rounds on {@code connection}, counted in {@code progress}. */
    private GroupRun runGroup(int group, List<Integer> all, BooleanSupplier stopped, RelayConnection connection,
                              Progress progress) throws SQLException {
        Round round;
        boolean healthy = false;
        try {
            do {
                round = round(connection.connection(), all.get(group * lanesPerRound), all.size(), progress);
                progress.committed++;
                if (round != Round.LANES_HELD) {
                    progress.tookLanes++;
                }
                progress.published += round.confirmed();
                progress.moved |= round.moved() > 0;
            } while (!round.publisherClosed() && round.failed() == 0 && round.read() >= batchSize
                    && round.moved() > 0 && !stopped.getAsBoolean());
            healthy = true;
        } finally {
            connections.give(connection, healthy);
        }
        return new GroupRun(group, progress.published, progress.moved, progress.tookLanes > 0, round, null);
    }

    /** Closes the connections kept between rounds now (a one-off drain's); later rounds keep theirs again. */
    public void releaseConnections() {
        connections.releaseIdle();
    }

    /** Closes the connections kept between rounds; a round still running closes its own when it ends. */
    @Override
    public void close() {
        connections.close();
    }

    /** The first failed round of an outage at WARN with its cause; the next ones at DEBUG, until one publishes. */
    private void reportFailed(Round round) {
        String cause = round.firstFailure() == null ? "no outcome within confirmTimeout (" + confirmTimeout
                + ") and the " + LATE_OUTCOME_WAIT + " waited past it"
                : (round.firstFailure().contains("circuit breaker is open") ? "circuit open: " : "")
                + round.firstFailure();
        if (failedRounds++ == 0) {
            LOG.warn("outbox relay: {} of {} messages were not confirmed by the broker ({}); they and {} later messages"
                    + " of their keys stay in {}, unsent, and are tried again every {} (repeats logged at DEBUG, the"
                    + " end at INFO); other lanes go on", round.failed(), round.read(), cause, round.held(),
                    table.table(), Duration.ofNanos(retryDelayNanos));
        } else {
            LOG.debug("outbox relay: still not confirmed, {} of {} messages ({})", round.failed(), round.read(), cause);
        }
    }

    private boolean waiting(int group) {
        Long after = retryAfter.get(group);
        return after != null && System.nanoTime() - after < 0;
    }

    private List<Integer> lanes() throws SQLException {
        if (lanes == null) {
            OutboxTable outbox = table();
            List<Integer> found;
            try (RelayConnection connection = connect()) {
                found = outbox.lanes(connection.connection());
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

    /**
     * One round: its lanes locked, then pages of rows in sequence order, each published ({@link RoundSends}), its
     * confirmed rows deleted and its refused rows parked, all in one transaction. A page after the first reads on past
     * the rows the round left (failed, or held behind a failed or refused row of their key), leaving out the keys of
     * those rows, so that rows waiting behind a failing key or topic do not fill every batch and hold back the newer
     * rows of healthy keys; a key's later row is never read in a round that could not publish an earlier one, nor
     * published on a later page while a row of its key numbered below that page's reach is still in the table (one
     * committed since an earlier page: {@link #withoutKeysBehind}). The
     * round reads on while its pages were full and it moved fewer than {@code batchSize} rows, every publish had its
     * outcome within the round's confirm timeout (one for all its pages), the publisher is open, and it left out
     * fewer than {@link #MAX_HELD_KEYS} keys and failed fewer than as many rows.
     */
    private Round round(Connection connection, int fromLane, int laneCount, Progress progress) throws SQLException {
        List<RoundSends.Refusal> parked = new ArrayList<>();
        Round round = Transactions.inPreparedTransaction(connection, tx -> {
            parked.clear();
            List<Integer> locked = table.lockLanes(tx, fromLane, lanesPerRound);
            if (locked.isEmpty()) {
                return Round.LANES_HELD;
            }
            long deadline = System.nanoTime() + confirmTimeout.toNanos();
            Set<OutboxTable.KeyOnTopic> held = new LinkedHashSet<>();
            Round total = Round.EMPTY;
            long after = Long.MIN_VALUE;
            int limit = batchSize;
            while (true) {
                List<OutboxTable.Row> page = table.pending(tx, laneCount, locked, after, held, limit);
                if (page.isEmpty()) {
                    return total;
                }
                List<OutboxTable.Row> rows = after == Long.MIN_VALUE ? page : withoutKeysBehind(tx, page, after, held);
                after = page.get(page.size() - 1).seq();
                if (rows.isEmpty()) {
                    if (page.size() < limit || held.size() >= MAX_HELD_KEYS || deadline - System.nanoTime() <= 0) {
                        return total;
                    }
                    continue;
                }
                if (total.read() == 0) {
                    progress.publishing++;
                }
                RoundSends.Outcome sent = RoundSends.send(publisher, rows, deadline);
                table.delete(tx, sent.confirmed());
                table.park(tx, sent.refused().stream()
                        .map(r -> new OutboxTable.Parking(r.row().seq(), r.cause())).toList(), clock.millis());
                parked.addAll(sent.refused());
                held.addAll(sent.heldKeys());
                total = total.plus(new Round(rows.size(), sent.confirmed().size(), sent.refused().size(), sent.failed(),
                        sent.held(), sent.publisherClosed(), sent.firstFailure()));
                if (page.size() < limit || total.moved() >= batchSize || sent.unanswered() > 0 || sent.publisherClosed()
                        || Thread.currentThread().isInterrupted() || deadline - System.nanoTime() <= 0
                        || held.size() >= MAX_HELD_KEYS || total.failed() >= MAX_HELD_KEYS) {
                    return total;
                }
                limit = batchSize - total.moved();
            }
        });
        reportParked(parked);
        return round;
    }

    /**
     * A later page's rows less those of the keys with a row at or below {@code after} still in the table, which are
     * added to {@code held}: a row of such a key committed after an earlier page read past its number (numbers are
     * taken at insert, not at commit), and the key's later rows wait behind it, for a later round.
     */
    private List<OutboxTable.Row> withoutKeysBehind(Connection tx, List<OutboxTable.Row> page, long after,
                                                    Set<OutboxTable.KeyOnTopic> held) throws SQLException {
        Set<OutboxTable.KeyOnTopic> keys = new LinkedHashSet<>();
        for (OutboxTable.Row row : page) {
            if (row.key() != null) {
                keys.add(new OutboxTable.KeyOnTopic(row.topic(), row.key()));
            }
        }
        Set<OutboxTable.KeyOnTopic> behind = table.keysWithRowsUpTo(tx, after, keys);
        if (behind.isEmpty()) {
            return page;
        }
        held.addAll(behind);
        return page.stream().filter(row -> row.key() == null
                || !behind.contains(new OutboxTable.KeyOnTopic(row.topic(), row.key()))).toList();
    }

    /** After the commit: each parked row counted and told, with what to do about it. */
    private void reportParked(List<RoundSends.Refusal> refusals) {
        for (RoundSends.Refusal refusal : refusals) {
            OutboxTable.Row row = refusal.row();
            metrics.count(MetricEvent.OUTBOX_PARKED, row.topic(), null);
            LOG.warn("outbox relay: message {} to '{}' (row seq {}) was refused for good and is parked in {}: {}."
                    + " The later messages of its key wait behind it. Once the cause is fixed, re-queue it (UPDATE {}"
                    + " SET parked_at = NULL, park_cause = NULL WHERE seq = {}) or delete it", row.id(), row.topic(),
                    row.seq(), table.table(), refusal.cause(), table.table(), row.seq());
        }
    }
}
