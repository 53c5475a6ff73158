package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.args.ClientPauseMode;
import redis.clients.jedis.params.SetParams;

/**
 * {@link RedisRoom}: the fillers it takes, and, on a redis-server of the test's own, that keys added after it do not
 * double Redis's key tables where the same keys added without it do (read from {@code MEMORY STATS}: a doubling adds the
 * new table's 8 bytes a bucket, and both tables count until the move is over), and that it leaves no filler behind.
 */
class RedisRoomTest {

    /** Table bytes one key adds to both tables, generously: 64 on Redis 7.0; a doubling here adds 2 MiB. */
    private static final long BYTES_PER_KEY = 96;
    private static final int PRESENT = 60_000;
    private static final int ADDING = 10_000;

    private static PrivateRedis redis;

    @BeforeAll
    static void startPrivateRedis() throws Exception {
        // no housekeeping moves: only commands move a doubled table's entries, so a move left under way stays visible
        redis = PrivateRedis.start("--activerehashing", "no");
    }

    @AfterAll
    static void stopPrivateRedis() throws InterruptedException {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void fillersShouldBeNoneWhenBothTablesTakeTheKeysAlready() {
        assertThat(RedisRoom.fillers(List.of(100L, 100L), 28)).contains(0L);
    }

    @Test
    void fillersShouldTakeTheTablesJustPastAPowerOfTwoWithRoomForTheKeysBehindIt() {
        // 60,000 keys fill a table of 65,536: 5,537 more make it 131,072, with room for 10,000 after them
        assertThat(RedisRoom.fillers(List.of(60_000L, 60_000L), 10_000)).contains(5_537L);
    }

    @Test
    void fillersShouldSuitBothTablesWhenFewerKeysExpireThanThereAre() {
        // 25 would do for the 1,000 keys but leave the 10 expiring ones in a table of 64
        assertThat(RedisRoom.fillers(List.of(1_000L, 10L), 500)).contains(503L);
    }

    @Test
    void fillersShouldBeTheFewestThatSuitEveryTable() {
        long[] sizes = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256, 257};
        for (long a : sizes) {
            for (long b : sizes) {
                for (long adding : new long[] {1, 2, 3, 4, 5, 16, 17, 60, 64, 65, 200, 256}) {
                    long fewest = LongStream.iterate(0, f -> f + 1)
                            .filter(f -> fits(a + f, adding) && fits(b + f, adding)).findFirst().orElseThrow();
                    assertThat(RedisRoom.fillers(List.of(a, b), adding)).as("tables %d and %d, adding %d", a, b, adding)
                            .contains(fewest);
                }
            }
        }
    }

    @Test
    void tableAtLeastShouldBeThePowerOfTwoThatHoldsTheKeysAtLeastFour() {
        assertThat(List.of(0L, 4L, 5L, 64L, 65L, 65_536L, 65_537L)).map(RedisRoom::tableAtLeast)
                .containsExactly(4L, 4L, 8L, 64L, 128L, 65_536L, 131_072L);
    }

    @Test
    void roomForShouldCountTheKeptEffectivelyOncePassesAndOneDedupPass() {
        // 5 warm-up rounds' and the measured EFFECTIVELY_ONCE passes' keys stay; the dedup passes delete theirs
        assertThat(ConsumeBench.roomFor(20_000, 5)).isEqualTo(140_000L);
    }

    @Test
    void fillersShouldBeRefusedPastTheirCap() {
        assertThat(RedisRoom.fillers(List.of(RedisRoom.MAX_FILLERS * 3, 0L), RedisRoom.MAX_FILLERS * 2)).isEmpty();
    }

    @Test
    void expiringKeysShouldReadTheDatabasesExpiresCount() {
        String info = "# Keyspace\r\ndb0:keys=10,expires=4,avg_ttl=100\r\ndb3:keys=7,expires=7,avg_ttl=9\r\n";
        assertThat(RedisRoom.expiringKeys(info, 0)).isEqualTo(4);
        assertThat(RedisRoom.expiringKeys(info, 3)).isEqualTo(7);
        assertThat(RedisRoom.expiringKeys(info, 1)).isZero();
    }

    @Test
    void keysAddedWithoutRoomShouldDoubleTheTablesWhichIsWhatTheRoomPrevents() {
        // the control: the measurement below sees a doubling when there is one
        try (Jedis jedis = jedis(1)) {
            add(jedis, "present:", PRESENT);
            long before = tableBytes(jedis, 1);
            add(jedis, "added:", ADDING);
            assertThat(tableBytes(jedis, 1) - before).as("table bytes added by %d keys with no room", ADDING)
                    .isGreaterThan(ADDING * BYTES_PER_KEY);
        }
    }

    @Test
    void keysAddedAfterTheRoomShouldNotDoubleTheTablesAndTheFillersShouldBeGoneAfterIt() {
        try (Jedis jedis = jedis(2)) {
            add(jedis, "present:", PRESENT);
            RedisRoom.Outcome outcome = RedisRoom.make(redis.uri() + "/2", "room:", ADDING, Progress.none());
            assertThat(outcome).isInstanceOf(RedisRoom.Made.class);
            assertThat(((RedisRoom.Made) outcome).fillers()).isEqualTo(5_537L);
            try (outcome) {
                long before = tableBytes(jedis, 2);
                stepAnyMove(jedis, "room:0", 2 * 131_072);
                assertThat(tableBytes(jedis, 2)).as("table bytes once any move is made to end: none was under way")
                        .isEqualTo(before);
                add(jedis, "added:", ADDING);
                assertThat(tableBytes(jedis, 2) - before).as("table bytes added by %d keys after the room", ADDING)
                        .isPositive().isLessThan(ADDING * BYTES_PER_KEY);
            }
            assertThat(jedis.dbSize()).as("the keys but no filler").isEqualTo(PRESENT + ADDING);
        }
    }

    @Test
    void aBenchStoppedWhileFillingShouldStopDeleteTheFillersWrittenAndKeepItsInterrupt() throws Exception {
        assertAStopWhileFillingStopsIt(3, (watcher, maker) -> maker.interrupt());
    }

    @Test
    void aBenchStoppedWhileRedisHoldsItsWritesShouldStillStopAndDeleteTheFillers() throws Exception {
        // the stop comes while the filling waits for a reply that times out: the failure is the timeout, the stop kept
        assertAStopWhileFillingStopsIt(6, (watcher, maker) -> {
            watcher.clientPause(3_000, ClientPauseMode.WRITE);
            // the stop lands while the filling waits for its held reply (a socket read the interrupt cannot end)
            while (Stream.of(maker.getStackTrace()).noneMatch(RedisRoomTest::socketRead)) {
                Thread.onSpinWait();
            }
            maker.interrupt();
        });
    }

    @Test
    void roomPastHalfOfMaxmemoryShouldNotBeMadeAndSaySo() {
        try (Jedis jedis = jedis(4)) {
            add(jedis, "present:", PRESENT);
            jedis.configSet("maxmemory", "64mb");
            try {
                RedisRoom.Outcome outcome = RedisRoom.make(redis.uri() + "/4", "room:", 1_000_000, Progress.none());
                assertThat(outcome).isInstanceOfSatisfying(RedisRoom.NotMade.class,
                        notMade -> assertThat(notMade.reason()).contains("maxmemory"));
            } finally {
                jedis.configSet("maxmemory", "0");
            }
            assertThat(jedis.dbSize()).as("no filler written").isEqualTo(PRESENT);
        }
    }

    @Test
    void makingRoomShouldShowItsProgress() {
        try (Jedis jedis = jedis(7)) {
            add(jedis, "present:", PRESENT);
            StringWriter shown = new StringWriter();
            try (RedisRoom.Outcome outcome = RedisRoom.make(redis.uri() + "/7", "room:", ADDING,
                    Progress.to(new PrintWriter(shown), true))) {
                assertThat(outcome).isInstanceOf(RedisRoom.Made.class);
            }
            assertThat(shown.toString()).contains("make room in Redis's keyspace");
        }
    }

    @Test
    void aRedisSavingInAChildProcessShouldGetNoRoomSaySoAndKeepNoFiller() throws Exception {
        // Redis postpones doubling a table while a child runs: fillers would not make room
        try (PrivateRedis saving = PrivateRedis.start(); Jedis jedis = new Jedis(URI.create(saving.uri()))) {
            add(jedis, "present:", PRESENT);
            jedis.configSet("rdb-key-save-delay", "100"); // µs per key: the child lives about 6 s
            jedis.bgsave();
            RedisRoom.Outcome outcome = RedisRoom.make(saving.uri(), "room:", ADDING, Progress.none());
            assertThat(outcome).isInstanceOfSatisfying(RedisRoom.NotMade.class,
                    notMade -> assertThat(notMade.reason()).contains("child process"));
            assertThat(jedis.dbSize()).as("no filler written").isEqualTo(PRESENT);
        }
    }

    @Test
    void aChildProcessStartedWhileFillingShouldLeaveNoRoomSaySoAndDeleteTheFillers() throws Exception {
        try (PrivateRedis saving = PrivateRedis.start(); Jedis jedis = new Jedis(URI.create(saving.uri()));
             Jedis watcher = new Jedis(URI.create(saving.uri()))) {
            add(jedis, "present:", PRESENT);
            watcher.configSet("rdb-key-save-delay", "10");
            Thread saver = new Thread(() -> {
                // about 990,000 fillers go in pipelines of 10,000: start a save once the first are in
                while (watcher.dbSize() <= PRESENT) {
                    Thread.onSpinWait();
                }
                watcher.bgsave();
            });
            saver.start();
            RedisRoom.Outcome outcome = RedisRoom.make(saving.uri(), "room:", 1_000_000, Progress.none());
            saver.join(10_000);
            assertThat(outcome).isInstanceOfSatisfying(RedisRoom.NotMade.class,
                    notMade -> assertThat(notMade.reason()).contains("child process"));
            assertThat(jedis.dbSize()).as("no filler left").isEqualTo(PRESENT);
        }
    }

    @Test
    void aFillerRefusedAtOnceShouldLeaveNoRoomSayWhyAndWarnOfNothingToDelete() {
        try (Jedis jedis = jedis(5)) {
            add(jedis, "present:", PRESENT);
            jedis.aclSetUser("present-only", "on", ">pw", "~present:*", "+@all");
            PrintStream err = System.err;
            ByteArrayOutputStream warnings = new ByteArrayOutputStream();
            RedisRoom.Outcome outcome;
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            try {
                outcome = RedisRoom.make("redis://present-only:pw@" + redis.uri().substring("redis://".length())
                        + "/5", "room:", ADDING, Progress.none());
            } finally {
                System.setErr(err);
            }
            assertThat(outcome).isInstanceOfSatisfying(RedisRoom.NotMade.class,
                    notMade -> assertThat(notMade.reason()).startsWith("filling failed").contains("NOPERM"));
            assertThat(warnings.toString(StandardCharsets.UTF_8)).as("warnings").isEmpty();
            assertThat(jedis.dbSize()).isEqualTo(PRESENT);
        }
    }

    /**
     * Makes room for 1,000,000 keys in database {@code db} (about 990,000 fillers, in pipelines of 10,000) and, once the
     * first fillers are in, has {@code stop} stop this thread (given a connection and the thread): the making must throw,
     * keep the interrupt and leave no filler.
     */
    private static void assertAStopWhileFillingStopsIt(int db, BiConsumer<Jedis, Thread> stop) throws Exception {
        try (Jedis jedis = jedis(db); Jedis watcher = new Jedis(URI.create(redis.uri() + "/" + db))) {
            add(jedis, "present:", PRESENT);
            Thread maker = Thread.currentThread();
            Thread stopper = new Thread(() -> {
                while (watcher.dbSize() <= PRESENT) {
                    Thread.onSpinWait();
                }
                stop.accept(watcher, maker);
            });
            stopper.start();
            boolean kept;
            try {
                assertThatThrownBy(() -> RedisRoom.make(redis.uri() + "/" + db, "room:", 1_000_000,
                        Progress.none()))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("interrupted");
            } finally {
                kept = Thread.interrupted();
                stopper.join(10_000);
            }
            assertThat(kept).as("the interrupt kept").isTrue();
            assertThat(jedis.dbSize()).as("no filler left").isEqualTo(PRESENT);
        }
    }

    private static boolean socketRead(StackTraceElement frame) {
        return frame.getClassName().contains("Socket") && frame.getMethodName().contains("read");
    }

    /** Looks {@code key} up {@code reads} times: each moves a bucket of a table under way, if any. */
    private static void stepAnyMove(Jedis jedis, String key, int reads) {
        try (AbstractPipeline pipeline = jedis.pipelined()) {
            for (int i = 0; i < reads; i++) {
                pipeline.exists(key);
            }
            pipeline.sync();
        }
    }

    /** Whether a table holding {@code keys} takes {@code adding} more without doubling, computed apart from the code. */
    private static boolean fits(long keys, long adding) {
        long table = keys <= 4 ? 4 : Long.highestOneBit(keys - 1) << 1;
        return table >= keys + adding;
    }

    private static Jedis jedis(int db) {
        Jedis jedis = new Jedis(URI.create(redis.uri() + "/" + db));
        jedis.flushDB();
        return jedis;
    }

    private static void add(Jedis jedis, String prefix, int keys) {
        try (AbstractPipeline pipeline = jedis.pipelined()) {
            for (int i = 0; i < keys; i++) {
                pipeline.set(prefix + i, "v", SetParams.setParams().px(600_000));
            }
            pipeline.sync();
        }
    }

    /** {@code overhead.hashtable.main} plus {@code overhead.hashtable.expires} of {@code db.<db>} in MEMORY STATS. */
    private static long tableBytes(Jedis jedis, int db) {
        List<?> stats = (List<?>) jedis.sendCommand(Protocol.Command.MEMORY, "STATS");
        List<?> dbStats = (List<?>) value(stats, "db." + db).orElseThrow();
        return (Long) value(dbStats, "overhead.hashtable.main").orElseThrow()
                + (Long) value(dbStats, "overhead.hashtable.expires").orElseThrow();
    }

    private static Optional<Object> value(List<?> pairs, String name) {
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            Object key = pairs.get(i);
            if (key instanceof byte[] bytes && new String(bytes, StandardCharsets.UTF_8).equals(name)) {
                return Optional.of(pairs.get(i + 1));
            }
        }
        return Optional.empty();
    }
}
