package dev.keel.cli.outbox;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.cli.ExitCodes;
import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.broker.ObservedAdapter;
import dev.keel.cli.broker.TopicCleanup;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import dev.keel.dedup.jdbc.JdbcStoreConfig;
import dev.keel.ordering.Ordering;
import dev.keel.outbox.jdbc.Outbox;
import dev.keel.outbox.jdbc.OutboxConfig;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.Capability;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code keel verify --outbox}: producers write a business row and its outbox row in one transaction
 * and roll some back; several relays publish the outbox and are crashed between the broker's
 * confirmation and the row's delete (and replaced); consumers apply each message with the JDBC inbox
 * and are crashed inside the inbox transaction or after its commit, before the acknowledgement. Then
 * it checks, from the database: every committed row's event applied exactly once, no rolled-back
 * row's event published or applied, each key's effects in order, the outbox empty.
 */
public final class OutboxVerify {

    private static final String GROUP = "verify-inbox";
    /** With --kill-9: a group of this process that only records what is on the wire (the consumer is elsewhere). */
    private static final String WIRE_GROUP = "verify-wire";
    private static final int WRITERS = 2;

    private final BrokerMode mode;
    private final BrokerOptions brokerOptions;
    private final OutboxOptions options;
    private final int messages;
    private final int keys;
    private final int lanes;
    private final long seed;
    private final Duration lease;
    private final Duration timeout;
    private final PrintWriter out;
    private final String runId = "o" + Long.toString(System.currentTimeMillis(), 36);
    private final OutboxDatabase db;

    public OutboxVerify(BrokerMode mode, BrokerOptions brokerOptions, OutboxOptions options, int messages, int keys,
                        int lanes, long seed, Duration lease, Duration timeout, PrintWriter out) {
        if (options.relays() < 1 || options.relayCrashes() < 0 || options.consumerCrashes() < 0
                || options.rollbackRate() < 0 || options.rollbackRate() >= 1 || messages < 1 || keys < 1
                || options.refusedRows() < 0) {
            throw new IllegalArgumentException("--relays must be >= 1, --relay-crashes, --consumer-crashes and "
                    + "--refused-rows >= 0, "
                    + "--rollback-rate in [0, 1), --messages and --keys >= 1");
        }
        if (options.kill9() && "memory".equals(mode.name())) {
            throw new IllegalArgumentException("--kill-9 needs a real broker (--broker kafka, rabbit, rocket, artemis or activemq): the "
                    + "consumer it kills runs in a separate JVM, which cannot reach the embedded broker");
        }
        if (options.kill9() && options.unsafeOutsideTransaction()) {
            throw new IllegalArgumentException("--kill-9 and --unsafe-effect-outside-transaction do not go together");
        }
        this.mode = mode;
        this.brokerOptions = brokerOptions;
        this.options = options;
        this.messages = messages;
        this.keys = keys;
        this.lanes = lanes;
        this.seed = seed;
        this.lease = lease;
        this.timeout = timeout;
        this.out = out;
        this.db = new OutboxDatabase(options.database().url(), options.database().user(),
                options.database().password(), runId + "_");
    }

    /** Runs, prints the report and returns the exit code. */
    public int run() throws Exception {
        // relay rounds that lose their confirmations on purpose would warn for each crash
        System.setProperty("org.slf4j.simpleLogger.log.dev.keel.outbox", "error");
        long started = System.nanoTime();
        String topic = "keel-verify-" + runId;
        brokerOptions.tls(); // the TLS flags checked at once, before any connection
        mode.preflight(brokerOptions);
        out.println("seed " + seed + ": rerun with --seed " + seed);
        out.println("outbox on " + db.endpoint() + " (tables " + db.prefix + "*), broker " + mode.name() + " ("
                + mode.endpoint(brokerOptions) + "), " + options.relays() + " relays, JDBC inbox"
                + (options.unsafeOutsideTransaction() ? " with the effect OUTSIDE its transaction (unsafe, on purpose)"
                : "") + (options.kill9() ? " in a separate JVM killed with kill -9 (so is the producer)" : "") + ", EFFECTIVELY_ONCE, "
                + "PER_KEY, " + lanes + " lanes, topic " + topic);
        db.createTables();
        Random random = new Random(seed);
        Map<String, InboxConsumers.CrashPoint> consumerCrashes = planConsumerCrashes(random, runId);
        Set<String> rolledBack = ConcurrentHashMap.newKeySet();
        Map<String, String> refused = new ConcurrentHashMap<>(); // id -> why the relay cannot publish it
        Set<String> onTheWire = ConcurrentHashMap.newKeySet();
        AtomicLong copies = new AtomicLong();
        Checks checks;
        int relayCrashes;
        long republished;
        InboxConsumers consumers = null;
        KilledConsumers killed = null;
        KilledProducers producers = options.kill9() ? new KilledProducers(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                ProducerProcess.class.getName(), db.prefix, options.database().user() != null
                        ? options.database().user() : ""), consumerEnvironment()) : null;
        String cleanup;
        try (ObservedAdapter adapter = new ObservedAdapter(mode.createAdapter(brokerOptions))) {
            adapter.observe(topic, r -> {
                copies.incrementAndGet();
                onTheWire.add(r.id());
            });
            JdbcIdempotencyStore store = JdbcIdempotencyStore.create(db, JdbcStoreConfig.custom()
                    .tablePrefix(db.prefix).build());
            OutboxConfig outboxConfig = OutboxConfig.custom().tablePrefix(db.prefix).pollInterval(Duration.ofMillis(500))
                    .batchSize(200).lanesPerRound(4).confirmTimeout(Duration.ofSeconds(30)).build();
            try (Keel keel = Keel.builder(adapter).idempotencyStore(store)
                    .publisherConfig(PublisherConfig.custom().sequentialPerKey(true).build()).build()) {
                TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(brokerOptions.partitions()).group(GROUP);
                keel.ensureTopology((options.kill9() ? spec.group(WIRE_GROUP) : spec).build());
                SubscriptionConfig<String> config = subscription(topic, GROUP, lanes, lease);
                Subscription wire = null;
                if (options.kill9()) {
                    wire = keel.subscribe(SubscriptionConfig.builder(topic, WIRE_GROUP, Codec.utf8())
                            .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), delivery -> { });
                    killed = new KilledConsumers(consumerCommand(topic), consumerEnvironment(), options.consumerCrashes(),
                            Math.round(messages * (1 - options.rollbackRate())), new Random(seed * 31 + 9));
                    killed.start();
                } else {
                    consumers = new InboxConsumers(keel, store, config, db.prefix + "effects", consumerCrashes,
                            options.unsafeOutsideTransaction(), db);
                    consumers.start();
                }
                try (CrashingRelays relays = new CrashingRelays(db, keel.publisher(), outboxConfig, options.relays())) {
                    produce(db, Outbox.create(outboxConfig), topic, random, rolledBack, relays, producers,
                            new RefusedRows(topic, adapter.capabilities().contains(Capability.UNROUTABLE_DETECTION),
                                    options.kill9() ? 0 : options.refusedRows(), refused));
                    awaitSettled(db, onTheWire, copies);
                    relayCrashes = relays.crashes();
                    republished = relays.republished();
                }
                if (killed != null) {
                    killed.close();
                    wire.close(Duration.ofSeconds(10));
                } else {
                    consumers.close();
                }
                checks = Checks.of(db, rolledBack, onTheWire, refused);
            }
        } finally {
            boolean stopped = Thread.interrupted(); // a stop's interrupt must not cut the cleanup's calls short
            if (killed != null) {
                killed.close();   // again after a failure: no consumer process outlives the run
            }
            cleanup = TopicCleanup.run(mode, brokerOptions, List.of(topic));
            String dropped = db.dropTables();
            cleanup = cleanup != null ? cleanup : dropped;
            if (stopped) {
                if (cleanup != null) {
                    out.println("note: " + cleanup);
                }
                Thread.currentThread().interrupt();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        checks.print(out, messages, rolledBack.size(), copies.get(), killed != null
                ? "records a listening group of this process received (the consumer is a separate process)"
                : "records the consumers received (copies and redeliveries after crashes)", relayCrashes, republished,
                killed != null ? concat(killed.rows(), producers.rows()) : consumers.rows(), seconds);
        if (cleanup != null) {
            out.println("note: " + cleanup);
        }
        if (killed != null) {
            killed.unexpectedExits().forEach(e -> out.println("note: " + e));
        }
        return checks.passed() ? ExitCodes.OK : ExitCodes.VIOLATIONS;
    }

    private static List<Checks.Row> concat(List<Checks.Row> a, List<Checks.Row> b) {
        List<Checks.Row> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The inbox subscription: the same in this process and in a {@link ConsumerProcess}. */
    static SubscriptionConfig<String> subscription(String topic, String group, int lanes, Duration lease) {
        return SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.PER_KEY).lanes(lanes)
                .retryPolicy(RetryPolicy.custom().maxAttempts(1_000).initialBackoff(Duration.ofMillis(50))
                        .maxBackoff(Duration.ofSeconds(1)).build())
                .idempotencyPolicy(IdempotencyPolicy.custom().lease(lease).storeRetryInterval(Duration.ofMillis(100)).build())
                .closeTimeout(Duration.ofSeconds(10)).build();
    }

    /** The command line of a {@link ConsumerProcess}: this JVM's java and class path; no secret on it. */
    private List<String> consumerCommand(String topic) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), ConsumerProcess.class.getName(),
                "--broker", mode.name(), "--bootstrap-servers", brokerOptions.bootstrapServers(),
                "--namesrv", brokerOptions.namesrv(), "--partitions", Integer.toString(brokerOptions.partitions()),
                "--replication-factor", Integer.toString(brokerOptions.replicationFactor()),
                "--min-insync-replicas", Integer.toString(brokerOptions.minInSyncReplicas()),
                "--prefix", db.prefix, "--topic", topic, "--group", GROUP, "--lanes", Integer.toString(lanes),
                "--lease-ms", Long.toString(lease.toMillis())));
        if (brokerOptions.rabbitAddresses() != null) {
            command.addAll(List.of("--rabbit-addresses", brokerOptions.rabbitAddresses()));
        }
        command.addAll(brokerOptions.loginArgs()); // users and variables' names: the child inherits them
        command.addAll(brokerOptions.tlsOptions().args()); // paths and variables' names
        if (options.database().user() != null) {
            command.addAll(List.of("--db-user", options.database().user()));
        }
        return command;
    }

    /** What a {@link ConsumerProcess} must not get on its command line (visible to every user of the machine). */
    private Map<String, String> consumerEnvironment() {
        return Map.of(ConsumerProcess.RABBIT_URI_ENV, brokerOptions.rabbitUri(),
                ConsumerProcess.ARTEMIS_URL_ENV, brokerOptions.artemisUrl(),
                ConsumerProcess.ACTIVEMQ_URL_ENV, brokerOptions.activemqUrl(),
                ConsumerProcess.DB_URL_ENV, options.database().url(),
                ConsumerProcess.DB_PASSWORD_ENV, options.database().password());
    }

    private Map<String, InboxConsumers.CrashPoint> planConsumerCrashes(Random random, String runId) {
        Map<String, InboxConsumers.CrashPoint> planned = new HashMap<>();
        int wanted = Math.min(options.consumerCrashes(), messages);
        while (planned.size() < wanted) {
            planned.put(id(runId, random.nextInt(messages)), planned.size() % 2 == 0
                    ? InboxConsumers.CrashPoint.AFTER_COMMIT : InboxConsumers.CrashPoint.IN_TRANSACTION);
        }
        return planned;
    }

    private static String id(String runId, int n) {
        return runId + "-" + n;
    }

    /**
     * {@link #WRITERS} threads, each owning the keys {@code k % WRITERS == w} (so one key's transactions
     * are serialised, as ordering by key needs); relay crashes are spread over the run.
     */
    private void produce(OutboxDatabase db, Outbox outbox, String topic, Random random, Set<String> rolledBack,
                         CrashingRelays relays, KilledProducers producers, RefusedRows refusedRows) throws Exception {
        String runId = db.prefix.substring(0, db.prefix.length() - 1);
        boolean[] rollback = new boolean[messages];
        int[] keyOf = new int[messages];
        for (int n = 0; n < messages; n++) {
            rollback[n] = random.nextDouble() < options.rollbackRate();
            keyOf[n] = random.nextInt(keys);
        }
        int crashEvery = Math.max(1, messages / (options.relayCrashes() + 1));
        int[] crashTargets = random.ints(options.relayCrashes(), 0, options.relays()).toArray();
        int[] crashDelays = random.ints(options.relayCrashes(), 1, 40).toArray();
        if (options.kill9()) {
            List<String> lines = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            int[] seq = new int[keys];
            for (int n = 0; n < messages; n++) {
                ids.add(id(runId, n));
                lines.add(n + " " + topic + " " + id(runId, n) + " " + keyOf[n] + " " + ++seq[keyOf[n]] + " "
                        + (rollback[n] ? "rollback" : "commit"));
                if (rollback[n]) {
                    rolledBack.add(id(runId, n));
                }
            }
            producers.run(lines, ids, rolledBack, options.consumerCrashes(), new Random(seed * 31 + 11), db, n -> {
                if (n > 0 && n % crashEvery == 0 && n / crashEvery <= crashTargets.length) {
                    int crash = n / crashEvery - 1;
                    relays.crashAfter(crashTargets[crash], crashDelays[crash]);
                }
            });
            return;
        }
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        try {
            Future<?>[] done = new Future<?>[WRITERS];
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                done[w] = writers.submit(() -> {
                    int[] seq = new int[keys];
                    try (Connection c = db.getConnection()) {
                        c.setAutoCommit(false);
                        for (int n = 0; n < messages; n++) {
                            if (writer == 0) {
                                refusedRows.writeDue(c, outbox, n, messages, runId);
                            }
                            if (writer == 0 && n > 0 && n % crashEvery == 0 && n / crashEvery <= crashTargets.length) {
                                int crash = n / crashEvery - 1;
                                relays.crashAfter(crashTargets[crash], crashDelays[crash]);
                            }
                            if (keyOf[n] % WRITERS != writer) {
                                continue;
                            }
                            write(c, outbox, topic, id(runId, n), keyOf[n], ++seq[keyOf[n]], db.prefix);
                            if (rollback[n]) {
                                c.rollback();
                                rolledBack.add(id(runId, n));
                            } else {
                                c.commit();
                            }
                        }
                    }
                    return null;
                });
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            writers.shutdownNow();
        }
    }

    static void write(Connection c, Outbox outbox, String topic, String id, int key, int seq, String prefix)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + prefix
                + "orders (id, order_key, seq) VALUES (?, ?, ?)")) {
            insert.setString(1, id);
            insert.setString(2, "k" + key);
            insert.setInt(3, seq);
            insert.executeUpdate();
        }
        outbox.publish(c, topic, Message.builder(("k" + key + ":" + seq).getBytes(StandardCharsets.UTF_8))
                .id(id).key("k" + key).build());
    }

    /**
     * Waits until the outbox is empty and every committed order has an effect, then until no copy has
     * arrived for a few seconds (late copies of crashed relays' rounds), within {@code --timeout}.
     */
    private void awaitSettled(OutboxDatabase db, Set<String> onTheWire, AtomicLong copies) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long committed = db.count("orders");
        while (System.nanoTime() < deadline
                && (db.pendingOutboxRows() > 0 || db.committedOrders().keySet().stream().filter(onTheWire::contains).count()
                < committed || db.effects().stream().map(e -> e[0]).distinct().count() < committed)) {
            Thread.sleep(200);
        }
        long last = copies.get();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - quietSince < Duration.ofSeconds(3).toNanos()) {
            Thread.sleep(200);
            if (copies.get() != last) {
                last = copies.get();
                quietSince = System.nanoTime();
            }
        }
    }
}
