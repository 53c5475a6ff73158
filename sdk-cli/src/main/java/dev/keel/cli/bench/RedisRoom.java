package dev.keel.cli.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * Room in the store Redis's keyspace for the keys a consume section will add, made before its passes, so that no
 * measured pass pays for the growth of Redis's key tables.
 *
 * <p>Redis keeps a database's keys in a hash table, and the keys with an expiry in a second one, each a power of two
 * in size. When a table is full it doubles, and then moves its entries over one bucket per command that touches it (and
 * 1 ms in each of its 10 cron ticks a second): about as many commands as it had buckets. Measured on this project's
 * machine (Redis 7.0), a {@code SET} took about 1.3 µs with no move under way and 2.2 to 2.7 µs in the 200,000 commands after
 * a table of 1,048,576 filled up; a bench pass that crossed such a size read two to three times the Redis time per
 * message of one that did not. A Redis in service holds about as many keys as its retention keeps and does not double
 * per message; a bench's fresh Redis doubles every time its keys pass a power of two, wherever that falls among the
 * passes. So which pass paid was an accident of the key count before it.
 *
 * <p>This adds filler keys ({@code keel-bench:<run>:room:<n>}, empty, expiring within {@value #FILLER_TTL_MS} ms)
 * until both tables are large enough to take {@code adding} more keys without doubling (at least one filler), then
 * reads one of them once per bucket of the tables' last doubling, so that a move under way is over, and keeps the
 * fillers until {@link #close}, which deletes them: the tables keep their size (Redis 7.0 shrinks a table only below a
 * tenth full). It counts keys only in the database of the store's URI; keys other clients add meanwhile are not
 * foreseen, and a table larger than its keys need (after deletions) is taken for the smallest that holds them.
 */
final class RedisRoom implements AutoCloseable {

    /** The most filler keys a section adds: past this the bench measures without room, and says so. */
    static final long MAX_FILLERS = 16_000_000;
    /** Fillers expire on their own if the bench dies before deleting them. */
    static final long FILLER_TTL_MS = 3_600_000;
    /** Bytes a filler takes in Redis with its share of the tables, generously, for the {@code maxmemory} check. */
    static final long FILLER_BYTES = 160;
    /** Bytes a table slot takes, in the two tables and during a move (both tables), for the same check. */
    static final long SLOT_BYTES = 24;
    /** Commands per pipeline while filling, reading and deleting. */
    static final int PIPELINE = 10_000;
    /** The smallest table Redis keeps. */
    private static final long SMALLEST_TABLE = 4;

    private final String uri;
    private final String prefix;
    private final long fillers;
    /** Fillers whose {@code SET}s were sent, the first {@code sent} names: those {@link #close} deletes. */
    private long sent;
    /** Fillers Redis answered OK to. */
    private long written;

    private RedisRoom(String uri, String prefix, long fillers) {
        this.uri = uri;
        this.prefix = prefix;
        this.fillers = fillers;
    }

    /** What {@link #make} did: the room, or why there is none; closing it deletes the fillers. */
    sealed interface Outcome extends AutoCloseable permits Made, NotMade {
        @Override
        void close();
    }

    /** Room made with {@code fillers} filler keys. */
    record Made(RedisRoom room, long fillers) implements Outcome {
        @Override
        public void close() {
            room.close();
        }
    }

    /** No room made, for {@code reason}; the passes run as the keyspace stands, with no filler left. */
    record NotMade(String reason) implements Outcome {
        @Override
        public void close() {
        }
    }

    /**
     * Makes room for {@code adding} keys in the database of {@code uri}, fillers named {@code <prefix><n>}, at least
     * one (the key the reads look up). Answers {@link NotMade} when it would take more than {@link #MAX_FILLERS}
     * fillers, or more than half of a {@code maxmemory} limit, when the Redis will not tell its key counts, when it is
     * saving or rewriting its log in a child process or starts to while it fills (Redis postpones doubling its tables
     * while a child runs, so the fillers would not make room), or when filling fails; the fillers written are deleted
     * then. A stopped bench (its thread interrupted) stops it: the fillers written are deleted, and it throws
     * {@link IllegalStateException} with the interrupt kept. {@code progress} shows the fillers' writes and reads.
     */
    static Outcome make(String uri, String prefix, long adding, Progress progress) {
        long keys;
        long expiring;
        long used;
        long limit;
        long forks;
        RedisClient redis = RedisClient.create(URI.create(uri));
        try {
            keys = redis.dbSize();
            expiring = expiringKeys(redis.info("keyspace"), JedisURIHelper.getDBIndex(URI.create(uri)));
            used = infoLong(redis.info("memory"), "used_memory");
            limit = maxmemory(redis);
            forks = forks(redis);
        } catch (RuntimeException e) {
            closeKeepingInterrupt(redis);
            return new NotMade("Redis would not tell its keys (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + ")");
        }
        Optional<Long> needed = fillers(List.of(keys, expiring), adding);
        Optional<String> refusal = needed.isEmpty() ? Optional.of("it would take more than " + MAX_FILLERS
                + " filler keys") : refusal(keys, needed.get(), used, limit, forks);
        if (refusal.isPresent()) {
            closeKeepingInterrupt(redis);
            return new NotMade(refusal.get());
        }
        long fillers = Math.max(1, needed.get());
        RedisRoom room = new RedisRoom(uri, prefix, fillers);
        RuntimeException failure = null;
        try {
            room.fill(redis, tableAtLeast(keys + fillers) / 2, progress);
            if (forks(redis) != forks) {
                failure = new IllegalStateException("Redis started a child process (a BGSAVE or an AOF rewrite) while "
                        + "it was filled, and postpones doubling its tables while one runs");
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        boolean stopped = failure != null && stopped(failure);
        closeKeepingInterrupt(redis);
        if (failure == null) {
            return new Made(room, fillers);
        }
        room.close();
        if (stopped) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making room in Redis's keyspace (the fillers written "
                    + "are deleted)", failure);
        }
        return new NotMade("filling failed (" + (failure instanceof IllegalStateException ? "" : failure.getClass()
                .getSimpleName() + ": ") + failure.getMessage() + "); the fillers written are deleted");
    }

    /**
     * Why no room may be made with {@code fillers} beside {@code keys} on a Redis using {@code used} bytes of
     * {@code limit} ({@code 0}: no limit known), {@code forks} answering {@link #CHILD_RUNNING} while a child process
     * runs; empty when it may.
     */
    private static Optional<String> refusal(long keys, long fillers, long used, long limit, long forks) {
        if (forks == CHILD_RUNNING) {
            return Optional.of("Redis is saving or rewriting its log in a child process, and postpones doubling its "
                    + "tables while one runs");
        }
        long table = tableAtLeast(keys + Math.max(1, fillers));
        if (limit > 0 && used + Math.max(1, fillers) * FILLER_BYTES + table * SLOT_BYTES > limit / 2) {
            return Optional.of(Math.max(1, fillers) + " filler keys would take Redis past half of its maxmemory ("
                    + limit + " bytes)");
        }
        return Optional.empty();
    }

    /** {@link #forks} while a child process (a BGSAVE, an AOF rewrite, a module's fork) runs. */
    static final long CHILD_RUNNING = -1;

    /**
     * The child processes Redis has started ({@code total_forks} of {@code INFO stats}), or {@link #CHILD_RUNNING}
     * while one runs ({@code INFO persistence}): the same count before and after the filling means no child ran
     * meanwhile, as one that starts and ends in between adds to the count.
     */
    static long forks(RedisClient redis) {
        String persistence = redis.info("persistence");
        if (infoLong(persistence, "rdb_bgsave_in_progress") != 0 || infoLong(persistence, "aof_rewrite_in_progress") != 0
                || infoLong(persistence, "module_fork_in_progress") != 0) {
            return CHILD_RUNNING;
        }
        return infoLong(redis.info("stats"), "total_forks");
    }

    /** Closes {@code redis}, giving back an interrupt its connection pool may clear while it closes. */
    private static void closeKeepingInterrupt(RedisClient redis) {
        boolean interrupted = Thread.interrupted();
        try {
            redis.close();
        } catch (RuntimeException e) {
            // a connection that failed may fail to close too: nothing to keep of it
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The fewest filler keys (each in both tables, as they expire) after which tables holding {@code tables} keys take
     * {@code adding} more without doubling; empty past {@link #MAX_FILLERS}. A table holding {@code n} keys is at least
     * the smallest power of two not below {@code n} (Redis doubles one when a key is added to it full), so it takes
     * {@code adding} more if that power is at least {@code n + adding}.
     */
    static Optional<Long> fillers(List<Long> tables, long adding) {
        TreeSet<Long> candidates = new TreeSet<>();
        candidates.add(0L);
        for (long n : tables) {
            // just past a power of two that is at least adding + 1: the doubling gives room for adding more
            for (long size = SMALLEST_TABLE; size <= 2 * (MAX_FILLERS + n + adding) + 2; size *= 2) {
                if (size + 1 >= n && size >= adding + 1) {
                    candidates.add(size + 1 - n);
                }
            }
        }
        for (long f : candidates) {
            if (f > MAX_FILLERS) {
                break;
            }
            long fill = f;
            if (tables.stream().allMatch(n -> tableAtLeast(n + fill) >= n + fill + adding)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** The smallest table that holds {@code keys}: a power of two, at least {@value #SMALLEST_TABLE}. */
    static long tableAtLeast(long keys) {
        long size = SMALLEST_TABLE;
        while (size < keys) {
            size *= 2;
        }
        return size;
    }

    /** The {@code expires=} count of {@code db<db>} in {@code INFO keyspace}; 0 when the database holds no key. */
    static long expiringKeys(String info, int db) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("db" + db + ":")) {
                for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (field.startsWith("expires=")) {
                        return Long.parseLong(field.substring("expires=".length()));
                    }
                }
            }
        }
        return 0;
    }

    private static long infoLong(String info, String field) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).strip());
            }
        }
        return 0;
    }

    /** {@code CONFIG GET maxmemory}; 0 (no limit known) when the command is refused, as ACLs often refuse it. */
    private static long maxmemory(RedisClient redis) {
        try {
            return redis.configGet("maxmemory").values().stream().findFirst().map(Long::parseLong).orElse(0L);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * Adds the fillers, each reply checked, then reads one of them {@code moves} times, one per bucket of the largest
     * table the keys and fillers may have doubled from, so that a move under way is over before the first pass: each
     * read of a key with an expiry moves at least one bucket of both tables, as a lookup steps a table under way.
     */
    private void fill(RedisClient redis, long moves, Progress progress) {
        progress.start("make room in Redis's keyspace", fillers + moves);
        try {
            fillAndRead(redis, moves, progress);
        } finally {
            progress.finish();
        }
    }

    private void fillAndRead(RedisClient redis, long moves, Progress progress) {
        SetParams expiring = SetParams.setParams().px(FILLER_TTL_MS);
        for (long from = 0; from < fillers; from += PIPELINE) {
            stopIfInterrupted();
            List<Response<String>> replies = new ArrayList<>(PIPELINE);
            long to = Math.min(fillers, from + PIPELINE);
            try (AbstractPipeline pipeline = redis.pipelined()) {
                for (long i = from; i < to; i++) {
                    replies.add(pipeline.set(prefix + i, "", expiring));
                }
                sent = to;
                pipeline.sync();
            }
            RuntimeException refused = null;
            for (Response<String> reply : replies) {
                try {
                    reply.get();
                    written++;
                } catch (RuntimeException e) {
                    refused = refused == null ? e : refused;
                }
            }
            if (refused != null) {
                if (written == 0) {
                    sent = 0; // none was written: nothing to delete (a user may not be allowed to, either)
                }
                throw refused;
            }
            progress.advance(replies.size());
        }
        String any = prefix + 0;
        for (long from = 0; from < moves; from += PIPELINE) {
            stopIfInterrupted();
            try (AbstractPipeline pipeline = redis.pipelined()) {
                for (long i = from; i < Math.min(moves, from + PIPELINE); i++) {
                    pipeline.exists(any);
                }
                pipeline.sync();
            }
            progress.advance(Math.min(moves, from + PIPELINE) - from);
        }
    }

    /**
     * Whether {@code failure} is the bench's stop: its thread interrupted, the filling's {@link Stop}, or a wait of the
     * client's that the interrupt cut short (the connection pool then throws with an {@link InterruptedException}
     * inside). Closing the client may clear the interrupt, so the failure tells as well as the flag.
     */
    private static boolean stopped(Throwable failure) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof Stop) {
                return true;
            }
        }
        return false;
    }

    /** A stopped bench (its thread interrupted) stops filling; the interrupt stays set for the caller to see. */
    private static void stopIfInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new Stop();
        }
    }

    /** The filling stopped, as the bench was. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super("the bench was stopped while it made room", null, false, false);
        }
    }

    /**
     * Deletes the fillers, on a connection of its own (the one that filled may have idled out meanwhile); the tables
     * keep their size. A failure is only warned of: the fillers expire within {@value #FILLER_TTL_MS} ms anyway, and the
     * section's own failure, if any, is the one to report.
     */
    @Override
    public void close() {
        if (sent == 0) {
            return;
        }
        // the client's connection pool refuses an interrupted thread: delete first, then give the interrupt back
        boolean interrupted = Thread.interrupted();
        RedisClient redis = null;
        try {
            redis = RedisClient.create(URI.create(uri));
            List<String> batch = new ArrayList<>(PIPELINE);
            for (long i = 0; i < sent; i++) {
                batch.add(prefix + i);
                if (batch.size() == PIPELINE || i == sent - 1) {
                    redis.unlink(batch.toArray(String[]::new));
                    batch.clear();
                }
            }
        } catch (RuntimeException e) {
            System.err.println("keel: warning: could not delete the Redis filler keys " + prefix + "* (they expire "
                    + "within " + FILLER_TTL_MS / 1000 + " s): " + e);
        } finally {
            if (redis != null) {
                closeKeepingInterrupt(redis);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
