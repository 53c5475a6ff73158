package dev.keel.cli.outbox;

import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.cli.bench.BenchReport;
import dev.keel.core.Keel;
import dev.keel.outbox.jdbc.Outbox;
import dev.keel.outbox.jdbc.OutboxConfig;
import dev.keel.outbox.jdbc.OutboxRelay;
import dev.keel.spi.BrokerAdapter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * {@code keel bench --only outbox}: the relay's throughput on a backlog against Keel's publisher used
 * directly, and commit-to-publish latency (from the writer's call to {@code commit()} to the broker's
 * confirmation of the relay's publish) with LISTEN/NOTIFY and with polling only, against a direct
 * publish's call-to-confirmation latency at the same rate. Relay and direct publishes use one publisher
 * configured as the docs recommend for a relay ({@code sequentialPerKey(true)}), on the bench's adapter.
 */
public final class OutboxBench {

    /** The most rows of the throughput measurement (inserting them is not what is measured). */
    public static final int MAX_BACKLOG = 20_000;
    private static final int INSERT_BATCH = 500;
    /** Commits per second of the latency measurement, the rate issue 33's target names. */
    public static final int DEFAULT_COMMIT_RATE = 100;
    /** The highest {@code --outbox-commit-rate}. */
    public static final int MAX_COMMIT_RATE = 2_000;
    /** The most commits of one latency measurement. */
    public static final int MAX_LATENCY_COMMITS = 1_000;

    private OutboxBench() {
    }

    /**
     * Runs on {@code topic} (declared by the caller) and adds the {@code outbox} section to {@code report}.
     * Publishes through a Keel of its own over {@code adapter}, which stays the caller's.
     */
    public static void run(BrokerAdapter adapter, String topic, DatabaseOptions options, String tablePrefix,
                           int messages, int latencyMessages, int commitRate, int keys, Duration timeout,
                           BenchReport report)
            throws Exception {
        OutboxDatabase db = new OutboxDatabase(options.url(), options.user(), options.password(), tablePrefix);
        int backlog = Math.min(messages, MAX_BACKLOG);
        int latency = Math.min(latencyMessages, MAX_LATENCY_COMMITS);
        BenchReport.Section section = report.section("outbox", "transactional outbox on " + db.endpoint() + " ("
                + backlog + "-row backlog; commit-to-publish latency over " + latency + " commits at "
                + commitRate + "/s)").field("messages", backlog).field("commit_rate", commitRate);
        db.createTables();
        // a relay's publisher as the docs recommend; it owns neither the adapter nor a store
        try (Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().sequentialPerKey(true).build()).build()) {
            OutboxConfig config = OutboxConfig.custom().tablePrefix(db.prefix).build();
            Outbox outbox = Outbox.create(config);
            long start = System.nanoTime();
            List<CompletableFuture<PublishReceipt>> direct = new java.util.ArrayList<>(backlog);
            for (int i = 0; i < backlog; i++) {
                direct.add(keel.publisher().publishAsync(topic, message("d" + i, i % keys)).toCompletableFuture());
            }
            CompletableFuture.allOf(direct.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            double directRate = backlog * 1e9 / (System.nanoTime() - start);

            insertBacklog(db, outbox, topic, backlog, keys);
            start = System.nanoTime();
            try (OutboxRelay relay = OutboxRelay.create(db, keel.publisher(), config)) {
                relay.start();
                awaitEmpty(db, timeout);
            }
            double relayRate = backlog * 1e9 / (System.nanoTime() - start);
            section.rate("relay_msgs_per_sec", "relay, backlog drained", relayRate);
            section.rate("direct_msgs_per_sec", "Keel publisher directly (publishAsync, pipelined, same publisher)",
                    directRate);
            section.ratio("relay_over_direct", "ratio relay / direct", relayRate / directRate);

            Histogram directLatency = directLatency(keel, topic, latency, commitRate, keys, timeout);
            Histogram notify = latency(db, keel, outbox, OutboxConfig.from(config).build(), topic, latency, commitRate,
                    keys, timeout);
            Histogram poll = latency(db, keel, outbox, OutboxConfig.from(config).listen(false).build(), topic, latency,
                    commitRate, keys, timeout);
            section.millis("direct_p50_ms", "publish to confirm, Keel publisher directly: p50",
                    directLatency.getValueAtPercentile(50) / 1000.0);
            section.millis("direct_p99_ms", "publish to confirm, Keel publisher directly: p99",
                    directLatency.getValueAtPercentile(99) / 1000.0);
            section.millis("notify_p50_ms", "commit to publish, LISTEN/NOTIFY: p50", notify.getValueAtPercentile(50) / 1000.0);
            section.millis("notify_p99_ms", "commit to publish, LISTEN/NOTIFY: p99", notify.getValueAtPercentile(99) / 1000.0);
            section.millis("poll_p50_ms", "commit to publish, polling every " + config.pollInterval().toMillis()
                    + " ms: p50", poll.getValueAtPercentile(50) / 1000.0);
            section.millis("poll_p99_ms", "commit to publish, polling: p99", poll.getValueAtPercentile(99) / 1000.0);
        } finally {
            db.dropTables();
        }
    }

    private static Message message(String id, int key) {
        return Message.builder(("payload-" + id).getBytes(StandardCharsets.UTF_8)).id(id).key("k" + key).build();
    }

    private static void insertBacklog(OutboxDatabase db, Outbox outbox, String topic, int rows, int keys)
            throws Exception {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            for (int i = 0; i < rows; i++) {
                outbox.publish(c, topic, message("b" + i, i % keys));
                if ((i + 1) % INSERT_BATCH == 0 || i == rows - 1) {
                    c.commit();
                }
            }
        }
    }

    /**
     * Waits until the outbox table is empty, looking every 10 ms on one connection with a query that stops at the
     * first row (a {@code count(*)} on a new connection every few milliseconds would scan the table and set up a
     * connection each time, on the machine whose relay it measures).
     */
    private static void awaitEmpty(OutboxDatabase db, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection c = db.getConnection()) {
            while (db.any(c, "outbox")) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("the outbox relay did not drain the backlog within " + timeout);
                }
                Thread.sleep(10);
            }
        }
    }

    /**
     * The baseline of the commit-to-publish latency: the same messages published directly at the same
     * rate, each sample from the call to {@code publishAsync} to the broker's confirmation.
     */
    private static Histogram directLatency(Keel keel, String topic, int publishes, int rate, int keys,
                                           Duration timeout) throws Exception {
        Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        List<CompletableFuture<PublishReceipt>> sent = new java.util.ArrayList<>(publishes);
        long interval = 1_000_000_000L / rate;
        long next = System.nanoTime();
        for (int i = 0; i < publishes; i++) {
            LockSupport.parkNanos(next - System.nanoTime());
            next += interval;
            long calledAt = System.nanoTime();
            sent.add(keel.publisher().publishAsync(topic, message("l" + i, i % keys)).thenApply(receipt -> {
                long micros = Math.max(0, System.nanoTime() - calledAt) / 1000;
                synchronized (histogram) {
                    histogram.recordValue(micros);
                }
                return receipt;
            }).toCompletableFuture());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        synchronized (histogram) {
            return histogram.copy();
        }
    }

    /**
     * Commits one row at a time at {@code rate}/s (at the default 100/s the relay goes idle between most commits,
     * which is what LISTEN/NOTIFY is for); the relay's confirmations close each sample. A sample starts
     * before {@code commit()} is called (the relay may confirm before {@code commit()} returns), and the
     * run fails unless every commit has its sample.
     */
    private static Histogram latency(OutboxDatabase db, Keel keel, Outbox outbox, OutboxConfig config, String topic,
                                     int commits, int rate, int keys, Duration timeout) throws Exception {
        Map<String, Long> committedAt = new ConcurrentHashMap<>();
        Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        Publisher timed = new TimedPublisher(keel.publisher(), (id, confirmedAt) -> {
            Long committed = committedAt.get(id);
            if (committed != null) {
                synchronized (histogram) {
                    histogram.recordValue(Math.max(0, confirmedAt - committed) / 1000);
                }
            }
        });
        String tag = config.listen() ? "n" : "p";
        try (OutboxRelay relay = OutboxRelay.create(db, timed, config); Connection c = db.getConnection()) {
            relay.start();
            c.setAutoCommit(false);
            long interval = 1_000_000_000L / rate;
            long next = System.nanoTime();
            for (int i = 0; i < commits; i++) {
                LockSupport.parkNanos(next - System.nanoTime());
                next += interval;
                String id = tag + i;
                outbox.publish(c, topic, message(id, i % keys));
                committedAt.put(id, System.nanoTime());
                c.commit();
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (samples(histogram) < commits && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        long samples = samples(histogram);
        if (samples != commits) {
            throw new TimeoutException("commit-to-publish latency (" + (config.listen() ? "LISTEN/NOTIFY" : "polling")
                    + "): " + samples + " of " + commits + " commits were confirmed within " + timeout);
        }
        return histogram;
    }

    private static long samples(Histogram histogram) {
        synchronized (histogram) {
            return histogram.getTotalCount();
        }
    }

    /** Keel's publisher, telling when each message was confirmed. */
    private record TimedPublisher(Publisher delegate, java.util.function.ObjLongConsumer<String> confirmed)
            implements Publisher {
        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            return delegate.publishAsync(topic, message).thenApply(receipt -> {
                confirmed.accept(message.id(), System.nanoTime());
                return receipt;
            });
        }

        @Override
        public CompletionStage<List<PublishReceipt>> publishAllAsync(String topic, List<Message> messages) {
            throw new UnsupportedOperationException("the relay publishes one message at a time");
        }

        @Override
        public CompletionStage<Void> closeAsync() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }
}
