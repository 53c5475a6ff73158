package dev.keel.outbox.jdbc;

import dev.keel.Publisher;
import dev.keel.outbox.jdbc.internal.Dialect;
import dev.keel.outbox.jdbc.internal.PgListener;
import dev.keel.outbox.jdbc.internal.RelayConnection;
import dev.keel.outbox.jdbc.internal.RelayRounds;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishing side of the transactional outbox: publishes the committed rows of the outbox table
 * through a Keel {@link Publisher} and deletes each row only after the broker confirmed its message.
 *
 * <p><b>Rounds.</b> Each round is one database transaction: it locks a group of lanes with
 * {@code SELECT ... FOR UPDATE SKIP LOCKED}, reads their oldest publishable rows in sequence order (page after
 * page past the rows it could not publish, until it published or parked {@link OutboxConfig#batchSize()}), publishes
 * them, waits for the confirmations, deletes the
 * confirmed rows (by primary key: a round locks no row outside its lanes), parks the refused ones and commits: a
 * few round trips per batch, not per row. Every key belongs to one lane (a hash of the key), so several relays on one table share the
 * lanes and never publish a row at the same time. A key's messages (same topic and key) are published
 * one at a time, in sequence order: the next only once the broker confirmed the one before; messages of
 * different keys are published pipelined. Up to {@link OutboxConfig#workers()} rounds run at once, each over
 * its own group of lanes, in a transaction and on a connection of its own (threads the relay owns).
 *
 * <p><b>Failures.</b> A row the broker did not confirm (a retriable failure, or no confirm within
 * {@link OutboxConfig#confirmTimeout()}) stays, and the later rows of its key stay unsent behind it; the
 * relay goes on with the other lanes and tries that group of lanes again after
 * {@link OutboxConfig#pollInterval()}. Within its lanes the round reads on past the rows it could not publish,
 * leaving out their keys, so rows waiting behind a failing key or topic do not hold back the newer rows of healthy
 * keys (up to 1,000 failing keys a round). A row refused for good (not retriable: too large, unroutable, a
 * delay past the broker's maximum, an invalid topic name) is <em>parked</em>: {@code parked_at} and
 * {@code park_cause} are set, it is counted as {@code MetricEvent.OUTBOX_PARKED} on
 * {@link OutboxConfig#metrics()} and logged at WARN, and the relay never picks it again. The later rows
 * of its key wait behind it, unsent, so the key's order holds, until it is re-queued (both columns set
 * back to {@code NULL}) or deleted; rows of other keys go on. No row the broker confirmed is sent again,
 * except after a crash (below).
 *
 * <p><b>Refusals.</b> A database that refuses the relay (its login, or a privilege on the outbox tables) is not an
 * outage: {@link #start()} throws an {@link OutboxRefusedException} naming what to grant before anything is published
 * (it tries each kind of statement the relay runs on no row), and a started relay that meets one later (a grant
 * revoked) stops its rounds, logs it at ERROR and reports it in {@link #failure()}, instead of publishing again every
 * poll interval a batch whose rows it may not delete. Its rows stay for the relay started again.
 *
 * <p><b>Crashes.</b> A relay that dies before its round committed leaves the rows (and frees the lanes
 * when its connection drops): another relay publishes them again with the same message ids, so each
 * message is on the wire at most twice in that case and the consumers' idempotency store applies it once.
 *
 * <p><b>Latency without hot polling.</b> On PostgreSQL the insert notifies the relay on commit
 * (LISTEN/NOTIFY, on a connection of the relay's own) and it publishes at once; on MariaDB/MySQL it looks
 * every {@link OutboxConfig#pollInterval()} (also the safety net on PostgreSQL).
 *
 * <p><b>Lifecycle.</b> {@link #start()} starts it, {@link #close()} stops it after the round under way.
 * It owns what it creates (its threads, the listening connection) and closes nothing it was given: the
 * data source, the publisher and a scheduler passed in stay the caller's.
 */
public final class OutboxRelay implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

    private final DataSource dataSource;
    private final OutboxConfig config;
    private final RelayRounds rounds;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    /** The threads on which a pass's groups of lanes run side by side; {@code null} with one worker. */
    private final ExecutorService workerPool;
    private final ReentrantLock draining = new ReentrantLock();
    private final AtomicBoolean wanted = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    /** The refusal that stopped this relay ({@link #failure()}), or null. */
    private volatile OutboxRefusedException refused;
    /** Whether a {@link #publishPending()} of a relay never started checked the table and grants; under the drain lock. */
    private boolean checkedByHand;
    private ScheduledFuture<?> poll;
    private PgListener listener;

    private OutboxRelay(DataSource dataSource, Publisher publisher, OutboxConfig config,
                        ScheduledExecutorService scheduler, boolean ownsScheduler) {
        this.dataSource = dataSource;
        this.config = config;
        AtomicInteger workerNumber = new AtomicInteger();
        this.workerPool = config.workers() == 1 ? null : Executors.newFixedThreadPool(config.workers(), runnable -> {
            Thread thread = new Thread(runnable, "keel-outbox-relay-worker-" + workerNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.rounds = new RelayRounds(dataSource, publisher, config.tablePrefix(), config.batchSize(),
                config.lanesPerRound(), config.confirmTimeout(), config.pollInterval(), config.databaseTimeout(),
                config.clock(), config.metrics(), workerPool);
        this.scheduler = scheduler;
        this.ownsScheduler = ownsScheduler;
    }

    /** A relay with a thread of its own, which {@link #close()} stops. Not started yet. */
    public static OutboxRelay create(DataSource dataSource, Publisher publisher, OutboxConfig config) {
        ScheduledExecutorService own = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "keel-outbox-relay");
            thread.setDaemon(true);
            return thread;
        });
        return new OutboxRelay(Objects.requireNonNull(dataSource, "dataSource"), Objects.requireNonNull(publisher,
                "publisher"), Objects.requireNonNull(config, "config"), own, true);
    }

    /** A relay that runs its rounds on {@code scheduler}, which stays the caller's. Not started yet. */
    public static OutboxRelay create(DataSource dataSource, Publisher publisher, OutboxConfig config,
                                     ScheduledExecutorService scheduler) {
        return new OutboxRelay(Objects.requireNonNull(dataSource, "dataSource"), Objects.requireNonNull(publisher,
                "publisher"), Objects.requireNonNull(config, "config"), Objects.requireNonNull(scheduler, "scheduler"),
                false);
    }

    public OutboxConfig config() {
        return config;
    }

    /**
     * Starts publishing: at once, then whenever a commit notifies (PostgreSQL) and at least every
     * {@link OutboxConfig#pollInterval()}.
     *
     * @throws IllegalStateException if started before or closed
     * @throws SQLException          if the database cannot be reached to find its dialect, or the outbox
     *                               table is of an earlier layout (the message names the script to apply:
     *                               {@link JdbcSchema.Part#OUTBOX_V2_UPGRADE})
     * @throws OutboxTableMissingException if the outbox table does not exist
     * @throws OutboxRefusedException      if the database refuses the relay's login or a statement it runs
     */
    public void start() throws SQLException {
        if (closed || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("an outbox relay starts once, and not after close()");
        }
        rounds.checkTable();
        Dialect dialect = rounds.table().dialect();
        poll = scheduler.scheduleWithFixedDelay(this::wake, 0, config.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        boolean listening = dialect == Dialect.POSTGRESQL && config.listen();
        if (listening) {
            listener = new PgListener(dataSource, rounds.table().channel(), config.pollInterval(),
                    config.databaseTimeout(), this::wake);
            listener.start();
        }
        LOG.info("Keel outbox relay started on table {} ({}): polling every {}{}, {} lanes a round, batches of {},"
                + " up to {} rounds at once", rounds.table().table(), dialect, config.pollInterval(),
                listening ? " and woken by each commit's NOTIFY" : "", config.lanesPerRound(), config.batchSize(),
                config.workers());
    }

    /**
     * What waits in the outbox table now: pending rows, parked rows and the oldest pending row's age, in one query
     * (a scan of the table: for health checks and gauges, not for every message). Works before {@link #start()} and
     * after {@link #close()}.
     *
     * @throws SQLException when the database cannot be read
     */
    public OutboxBacklog backlog() throws SQLException {
        try (RelayConnection connection = rounds.connect()) {
            long[] counts = rounds.table().backlog(connection.connection());
            return new OutboxBacklog(counts[0], counts[1], counts[2] < 0 ? Optional.empty()
                    : Optional.of(Instant.ofEpochMilli(counts[2])), config.clock().instant());
        }
    }

    /**
     * Publishes what is pending now, in the calling thread, until a whole pass over the lanes publishes
     * or parks nothing; returns how many messages it published. Lanes whose publish failed are tried
     * once per call (a started relay waits a poll interval before it tries them again). For tools and
     * tests; a started relay does this on its own.
     *
     * @throws SQLException when the database fails (a missing table, or one of an earlier layout, named
     *                      with the script to apply); the rows stay. An {@link OutboxRefusedException} at once
     *                      when a refusal stopped this relay ({@link #failure()})
     */
    public long publishPending() throws SQLException {
        OutboxRefusedException stopped = refused;
        if (stopped != null) {
            throw stopped; // a relay the database refused publishes nothing more (its rows would go out again)
        }
        draining.lock();
        try {
            stopped = refused;
            if (stopped != null) {
                throw stopped; // the round this call waited for was refused: the relay stopped meanwhile
            }
            if (!started.get() && !checkedByHand) {
                rounds.checkTable(); // what start() checks, before anything is published: a refusal names its grant
                checkedByHand = true;
            }
            return rounds.drain(() -> closed, false);
        } catch (OutboxRefusedException e) {
            if (refused == null) {
                stopRefused(e); // a drain by hand stops as a started relay's does: the next call would publish again
            }
            throw e;
        } finally {
            if (!started.get()) {
                rounds.releaseConnections(); // a one-off drain keeps no connection open
            }
            draining.unlock();
            rescheduleIfWanted();
        }
    }

    /**
     * Asks for a drain. Wakes coalesce: while one is pending, further wakes (a burst of commits) add
     * nothing; one drain runs at a time, and a wake during a drain makes another run after it.
     */
    private void wake() {
        if (closed || refused != null || wanted.getAndSet(true)) {
            return;
        }
        schedule();
    }

    private void schedule() {
        try {
            scheduler.execute(this::drainWanted);
        } catch (RejectedExecutionException e) {
            LOG.debug("outbox relay: drain not scheduled, the scheduler is shut down");
        }
    }

    private void drainWanted() {
        if (!draining.tryLock()) {
            return; // the drain running now schedules another one when it ends, if a wake came meanwhile
        }
        try {
            while (!closed && refused == null && wanted.getAndSet(false)) {
                rounds.drain(() -> closed, true);
            }
        } catch (OutboxRefusedException e) {
            stopRefused(e);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("outbox relay round failed, trying again within {}: {}", config.pollInterval(), e.toString());
        } finally {
            draining.unlock();
        }
        rescheduleIfWanted();
    }

    /** A refusal: no round starts again (each would publish its batch again), until a new relay is started. */
    private void stopRefused(OutboxRefusedException e) {
        refused = e;
        if (poll != null) {
            poll.cancel(false);
        }
        if (listener != null) {
            listener.close(); // it would log in again every poll interval, refused each time
        }
        LOG.error("outbox relay stopped: {}", e.getMessage());
    }

    /**
     * The refusal that stopped this relay, started or driven by {@link #publishPending()}: the database refused its
     * login or a statement (a grant taken away while it ran); empty while it runs. A stopped relay publishes nothing more; close it, fix the grant
     * and start a new one. For health checks.
     */
    public Optional<OutboxRefusedException> failure() {
        return Optional.ofNullable(refused);
    }

    /**
     * The database error the relay's rounds of a group of lanes keep failing with, while it lasts: a statement or a
     * commit the database fails (a trigger that refuses the delete of published rows, a read-only database, an
     * outage, a reply of the database not come within {@link OutboxConfig#databaseTimeout()}); empty once a round of each failing group took its lanes and committed
     * (a round that found the group's lanes held by another session does not clear it).
     * Unlike a {@link #failure()} the relay goes on: the group's rows stay (a batch published by a round that could
     * not commit goes out again, with the same ids) and the group is tried again after
     * {@link OutboxConfig#pollInterval()}, as after a failed publish, not at every wake. For health checks: an error
     * that does not clear is one to fix.
     */
    public Optional<SQLException> databaseFailure() {
        return rounds.databaseFailure();
    }

    /** A wake that came while the lock was held (and whose drain task found it taken) is served now. */
    private void rescheduleIfWanted() {
        if (started.get() && !closed && refused == null && wanted.get()) {
            schedule();
        }
    }

    /**
     * Stops: no new round starts, the round under way finishes (waiting at most the confirm timeout),
     * and the relay's own threads, its listening connection and the connections its rounds kept open are closed.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (poll != null) {
            poll.cancel(false);
        }
        if (listener != null) {
            listener.close();
        }
        try {
            if (draining.tryLock(config.confirmTimeout().plus(RelayRounds.LATE_OUTCOME_WAIT).toMillis() + 5_000,
                    TimeUnit.MILLISECONDS)) {
                draining.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
        if (workerPool != null) {
            workerPool.shutdownNow();
        }
        rounds.close();
        if (started.get()) {
            LOG.info("Keel outbox relay stopped; rows not yet published stay in the table for the next relay");
        }
    }

    @Override
    public String toString() {
        return "OutboxRelay{" + config + "}";
    }
}
