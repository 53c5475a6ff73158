package dev.keel.cli.outbox;

import dev.keel.Delivery;
import dev.keel.MessageHandler;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import dev.keel.testkit.Crash;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * The consumers of a {@code verify --outbox} run: one generation at a time in the group, each
 * applying a message's effect (a row in {@code effects}) with the JDBC inbox, in the transaction that
 * marks it done. A planned crash kills the live consumer ({@link Crash#crash}: it acknowledges
 * nothing more and leaves the group) either inside that transaction, after the effect and before the
 * commit, or right after the commit and before the acknowledgement: the window in which the Redis
 * store would repeat the effect. The next generation then takes over, as a restarted process would.
 */
final class InboxConsumers implements AutoCloseable {

    /** Where a planned crash hits. */
    enum CrashPoint { IN_TRANSACTION, AFTER_COMMIT }

    private final Keel keel;
    private final JdbcIdempotencyStore store;
    private final SubscriptionConfig<String> config;
    private final String effects;
    private final Map<String, CrashPoint> planned;
    private final boolean unsafeOutside;
    private final DataSource dataSource;
    /** Completes when the generation's subscribe returned: its handlers may run (and crash) before that. */
    private final Map<Integer, CompletableFuture<Subscription>> generations = new ConcurrentHashMap<>();
    private final Set<Integer> dead = ConcurrentHashMap.newKeySet();
    private final Map<CrashPoint, AtomicInteger> crashed = new ConcurrentHashMap<>();
    private final LongAdder attempts = new LongAdder();
    private final ExecutorService restarter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "keel-verify-consumer-restart");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param planned       the message ids whose first delivery crashes its consumer, and where
     * @param unsafeOutside deliberately broken: apply the effect on a connection of its own, outside the
     *                      transaction of the done mark (the store used like the Redis store)
     */
    InboxConsumers(Keel keel, JdbcIdempotencyStore store, SubscriptionConfig<String> config, String effectsTable,
                   Map<String, CrashPoint> planned, boolean unsafeOutside, DataSource dataSource) {
        this.unsafeOutside = unsafeOutside;
        this.dataSource = dataSource;
        this.keel = keel;
        this.store = store;
        this.config = config;
        this.effects = effectsTable;
        this.planned = new ConcurrentHashMap<>(planned);
        for (CrashPoint point : CrashPoint.values()) {
            crashed.put(point, new AtomicInteger());
        }
    }

    void start() {
        subscribe(0);
    }

    private void subscribe(int generation) {
        generations.computeIfAbsent(generation, g -> new CompletableFuture<>())
                .complete(keel.subscribe(config, handler(generation)));
    }

    private MessageHandler<String> handler(int generation) {
        if (unsafeOutside) {
            return delivery -> {
                alive(generation);
                attempts.increment();
                try (Connection own = dataSource.getConnection()) {
                    applyEffect(own, delivery);   // auto-commit: committed before the done mark
                }
                crashIfPlanned(generation, delivery.id(), CrashPoint.IN_TRANSACTION);
                crashIfPlanned(generation, delivery.id(), CrashPoint.AFTER_COMMIT);
            };
        }
        MessageHandler<String> inbox = store.transactional(config, (delivery, connection) -> {
            alive(generation);
            attempts.increment();
            applyEffect(connection, delivery);
            crashIfPlanned(generation, delivery.id(), CrashPoint.IN_TRANSACTION);
        });
        return delivery -> {
            alive(generation);
            inbox.handle(delivery);
            crashIfPlanned(generation, delivery.id(), CrashPoint.AFTER_COMMIT);
        };
    }

    private void applyEffect(Connection connection, Delivery<String> delivery) throws Exception {
        applyEffect(connection, delivery, effects);
    }

    /** The effect of a delivery: a row in {@code effects}, on the given connection (in its transaction). */
    static void applyEffect(Connection connection, Delivery<String> delivery, String effects) throws Exception {
        String[] keyAndSeq = delivery.payload().split(":", 2);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + effects
                + " (message_id, order_key, seq) VALUES (?, ?, ?)")) {
            insert.setString(1, delivery.id());
            insert.setString(2, keyAndSeq[0]);
            insert.setInt(3, Integer.parseInt(keyAndSeq[1]));
            insert.executeUpdate();
        }
    }

    private void alive(int generation) {
        if (dead.contains(generation)) {
            throw new ConsumerCrashed();   // a dead process applies nothing
        }
    }

    private void crashIfPlanned(int generation, String id, CrashPoint point) {
        if (!planned.remove(id, point)) {
            return;
        }
        if (dead.add(generation)) {   // one crash and one successor per generation, also when two lanes hit one
            crashed.get(point).incrementAndGet();
            generations.computeIfAbsent(generation, g -> new CompletableFuture<>()).thenAccept(Crash::crash);
            restarter.execute(() -> subscribe(generation + 1));
        }
        throw new ConsumerCrashed();
    }

    int crashes(CrashPoint point) {
        return crashed.get(point).get();
    }

    /** Handler runs inside an inbox transaction (each delivery not found done by the store). */
    long attempts() {
        return attempts.sum();
    }

    /** The report's lines on these consumers. */
    List<Checks.Row> rows() {
        return List.of(new Checks.Row("consumer crashes", crashes(CrashPoint.AFTER_COMMIT)
                        + crashes(CrashPoint.IN_TRANSACTION), String.format(Locale.ROOT,
                        "%d after the inbox commit, before the ack; %d inside the transaction",
                        crashes(CrashPoint.AFTER_COMMIT), crashes(CrashPoint.IN_TRANSACTION))),
                new Checks.Row("inbox transactions", attempts(), "handler runs inside an inbox transaction"));
    }

    @Override
    public void close() {
        restarter.shutdown();
        try {
            restarter.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        generations.forEach((generation, subscription) -> {
            if (!dead.contains(generation) && subscription.isDone()) {
                subscription.join().close(Duration.ofSeconds(10));
            }
        });
    }

    /** Thrown in a crashed consumer's handlers: their outcome is discarded, as a dead process's would be. */
    static final class ConsumerCrashed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConsumerCrashed() {
            super("consumer crashed (verify --outbox)", null, false, false);
        }
    }
}
