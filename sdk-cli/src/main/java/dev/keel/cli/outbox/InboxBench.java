package dev.keel.cli.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.cli.bench.BenchReport;
import dev.keel.cli.bench.Throughput;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import dev.keel.dedup.jdbc.JdbcStoreConfig;
import dev.keel.ordering.Ordering;
import dev.keel.spi.BrokerAdapter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * {@code keel bench --only inbox}: consume throughput of one preloaded backlog, read once by each
 * variant's group, every handler applying the same effect (an INSERT into a scratch table): under
 * EFFECTIVELY_ONCE with the bench's store (Redis, or in memory), with the JDBC inbox store (lease and
 * done rows, the effect committed on its own), with the JDBC inbox where the effect and the done mark
 * commit in one transaction, and under AT_LEAST_ONCE for reference. Connections come from a small
 * pool, as an application's would.
 */
public final class InboxBench {

    /** The groups reading the backlog, one per variant plus an unmeasured warm-up. */
    public static final List<String> GROUPS = List.of("inbox-warmup", "inbox-store", "inbox-jdbc", "inbox-tx",
            "inbox-alo");
    /** The most messages of the backlog (the transactional variant is the slow one). */
    public static final int MAX_BACKLOG = OutboxBench.MAX_BACKLOG;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /** Done rows and keys are kept only as long as a bench needs them. */
    private static final IdempotencyPolicy IDEMPOTENCY = IdempotencyPolicy.custom()
            .retention(Duration.ofMinutes(10)).build();

    private InboxBench() {
    }

    /** The backlog the caller preloads on the topic, from the bench's {@code --messages}. */
    public static int backlog(int messages) {
        return Math.min(messages, MAX_BACKLOG);
    }

    /**
     * Runs on {@code topic}, preloaded with {@code backlog} messages and declared with {@link #GROUPS};
     * {@code keel} carries the bench's store, described by {@code storeName}.
     */
    public static void run(Keel keel, BrokerAdapter adapter, String topic, int backlog, int lanes, String storeName,
                           DatabaseOptions options, String tablePrefix, Duration timeout, BenchReport report)
            throws Exception {
        OutboxDatabase db = new OutboxDatabase(options.url(), options.user(), options.password(), tablePrefix);
        BenchReport.Section section = report.section("inbox", "JDBC inbox vs " + storeName + " on " + db.endpoint()
                + " (" + backlog + " messages, PER_KEY, " + lanes + " lanes; every handler INSERTs one effect row)")
                .field("messages", backlog).field("store", storeName);
        db.createTables();
        String effects = db.prefix + "effects";
        HikariConfig poolConfig = new HikariConfig();
        poolConfig.setDataSource(db);
        poolConfig.setMaximumPoolSize(lanes + 4);
        poolConfig.setPoolName("keel-bench-inbox");
        try (HikariDataSource pool = new HikariDataSource(poolConfig)) {
            JdbcIdempotencyStore store = JdbcIdempotencyStore.create(pool,
                    JdbcStoreConfig.custom().tablePrefix(db.prefix).build());
            // closed before the pool; it owns neither the adapter (the bench's) nor a publisher (never asked for)
            try (Keel jdbcKeel = Keel.builder(adapter).idempotencyStore(store).build()) {
                Variant bench = new Variant(topic, backlog, lanes, timeout);
                MessageHandler<byte[]> ownCommit = d -> {
                    try (Connection c = pool.getConnection()) {
                        insertEffect(c, effects, d);
                    }
                };
                bench.measure(keel, "inbox-warmup", DeliveryGuarantee.AT_LEAST_ONCE, ownCommit);
                double eo = bench.measure(keel, "inbox-store", DeliveryGuarantee.EFFECTIVELY_ONCE, ownCommit);
                double jdbc = bench.measure(jdbcKeel, "inbox-jdbc", DeliveryGuarantee.EFFECTIVELY_ONCE, ownCommit);
                SubscriptionConfig<byte[]> txConfig = bench.config("inbox-tx", DeliveryGuarantee.EFFECTIVELY_ONCE);
                double tx = bench.measure(jdbcKeel, txConfig,
                        store.transactional(txConfig, (d, connection) -> insertEffect(connection, effects, d)));
                double alo = bench.measure(keel, "inbox-alo", DeliveryGuarantee.AT_LEAST_ONCE, ownCommit);
                section.rate("store_msgs_per_sec", "EFFECTIVELY_ONCE, " + storeName + " (effect committed apart)", eo);
                section.rate("jdbc_msgs_per_sec", "EFFECTIVELY_ONCE, JDBC inbox store (effect committed apart)", jdbc);
                section.rate("jdbc_tx_msgs_per_sec", "EFFECTIVELY_ONCE, JDBC inbox, effect + done in one "
                        + "transaction", tx);
                section.rate("alo_msgs_per_sec", "AT_LEAST_ONCE (effect only, no dedup)", alo);
                section.ratio("jdbc_over_store", "ratio JDBC inbox / " + storeName, jdbc / eo);
                section.ratio("jdbc_tx_over_store", "ratio transactional inbox / " + storeName, tx / eo);
                section.ratio("jdbc_tx_over_alo", "ratio transactional inbox / AT_LEAST_ONCE", tx / alo);
            }
        } finally {
            db.dropTables();
        }
    }

    private static void insertEffect(Connection connection, String table, Delivery<byte[]> delivery)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
                + " (message_id, order_key, seq) VALUES (?, ?, 0)")) {
            insert.setString(1, delivery.id());
            insert.setString(2, delivery.key() == null ? "" : delivery.key());
            insert.executeUpdate();
        }
    }

    /** One measurement: a group reads the whole backlog; the rate runs from its first to its last message. */
    private record Variant(String topic, int backlog, int lanes, Duration timeout) {

        SubscriptionConfig<byte[]> config(String group, DeliveryGuarantee guarantee) {
            return SubscriptionConfig.builder(topic, group, Codec.bytes()).guarantee(guarantee)
                    .ordering(Ordering.PER_KEY).lanes(lanes).idempotencyPolicy(IDEMPOTENCY)
                    .closeTimeout(CLOSE_TIMEOUT).build();
        }

        double measure(Keel keel, String group, DeliveryGuarantee guarantee, MessageHandler<byte[]> work)
                throws Exception {
            return measure(keel, config(group, guarantee), work);
        }

        double measure(Keel keel, SubscriptionConfig<byte[]> config, MessageHandler<byte[]> work) throws Exception {
            Throughput t = new Throughput();
            Subscription sub = keel.subscribe(config, d -> {
                work.handle(d);
                t.record();
            });
            try {
                long deadline = System.nanoTime() + timeout.toNanos();
                while (t.count() < backlog) {
                    if (System.nanoTime() > deadline) {
                        throw new TimeoutException("inbox " + config.group() + ": only " + t.count() + " of "
                                + backlog + " messages handled within " + timeout.toSeconds() + " s (--timeout)");
                    }
                    Thread.sleep(5);
                }
            } finally {
                sub.close(CLOSE_TIMEOUT);
            }
            return t.perSecond();
        }
    }
}
