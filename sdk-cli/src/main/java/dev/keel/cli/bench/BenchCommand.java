package dev.keel.cli.bench;

import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.cli.DurationConverter;
import dev.keel.cli.EnvironmentException;
import dev.keel.cli.ExitCodes;
import dev.keel.cli.StopOnSignal;
import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerModes;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.outbox.InboxBench;
import dev.keel.cli.outbox.OutboxBench;
import dev.keel.cli.outbox.DatabaseOptions;
import dev.keel.cli.broker.StoreChoice;
import dev.keel.cli.broker.TopicCleanup;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code keel bench}: measures Keel against the raw clients on one broker, in one run. */
@Command(name = "bench", sortOptions = false, mixinStandardHelpOptions = true,
        description = {
            "Measures, in one run on the same broker and settings, with ratios: publish throughput with confirms "
                + "(Keel / the raw client used well, and for RabbitMQ / a naive waitForConfirms per message); consume "
                + "throughput (EFFECTIVELY_ONCE with batched claims / AT_LEAST_ONCE, and / a naive dedup of two Redis "
                + "round trips per message); share groups (Kafka): a share group / a classic group with lanes, and "
                + "/ a raw KafkaShareConsumer loop; key-ordered lanes / sequential processing; end-to-end latency "
                + "percentiles, Keel and the raw client at the same rate (added p50/p99); recovery after a consumer "
                + "crash (EFFECTIVELY_ONCE, default lease); delayed-delivery lateness (p50/p99/max after the due "
                + "time); consumer heap under a large backlog in a -Xmx256m JVM; with --outbox, the outbox relay "
                + "and the JDBC inbox (plain and transactional) against the Redis store; with --only pc (Kafka), "
                + "Keel / Confluent Parallel Consumer on the same topics: key-ordered lanes, an empty handler on "
                + "several partitions (with the raw client's poll loop), and the handlers run twice when a "
                + "consumer joins at 30%%.",
            "--repeat N runs the sections N times and reports medians with their range.",
            "--tls-compare measures publish and consume through a plaintext and a TLS endpoint of the same broker "
                + "alternately (RabbitMQ, Kafka): TLS / plaintext for Keel and the raw client.",
            "Without --broker it runs on the embedded in-memory broker: raw-client rows are then n/a."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the run completed", "2:bad flag or value, unreachable broker or Redis, a measurement "
            + "timed out", "3:internal error in keel (please report it)"})
public final class BenchCommand implements Callable<Integer> {

    /** The most runs {@code --repeat} takes. */
    static final int MAX_REPEAT = 20;

    @Spec
    private CommandSpec spec;

    @Mixin
    private BrokerOptions broker = new BrokerOptions();

    @Option(names = "--messages", paramLabel = "N", defaultValue = "" + BenchSettings.DEFAULT_MESSAGES,
            description = "Messages per publish and consume measurement. Default: ${DEFAULT-VALUE}.")
    private int messages;

    @Option(names = "--keys", paramLabel = "K", defaultValue = "" + BenchSettings.DEFAULT_KEYS,
            description = "Keys of those messages. Default: ${DEFAULT-VALUE}.")
    private int keys;

    @Option(names = "--payload-bytes", paramLabel = "B", defaultValue = "" + BenchSettings.DEFAULT_PAYLOAD_BYTES,
            description = "Payload size. Default: ${DEFAULT-VALUE}.")
    private int payloadBytes;

    @Option(names = "--consume-lanes", paramLabel = "L", defaultValue = "" + BenchSettings.DEFAULT_CONSUME_LANES,
            description = "Handler lanes of the consume and latency measurements. Default: ${DEFAULT-VALUE}.")
    private int consumeLanes;

    @Option(names = "--consume-in-flight", paramLabel = "N",
            defaultValue = "" + SubscriptionConfig.DEFAULT_MAX_IN_FLIGHT,
            description = "Messages Keel's subscriptions of the consume and latency measurements hold in flight "
                    + "(SubscriptionConfig.maxInFlight). Default: ${DEFAULT-VALUE}, Keel's.")
    private int consumeInFlight;

    @Option(names = "--lane-messages", paramLabel = "N", defaultValue = "" + BenchSettings.DEFAULT_LANE_MESSAGES,
            description = "Messages of the lanes-vs-sequential measurement. Default: ${DEFAULT-VALUE}.")
    private int laneMessages;

    @Option(names = "--lane-keys", paramLabel = "K", defaultValue = "" + BenchSettings.DEFAULT_LANE_KEYS,
            description = "Keys of the lanes-vs-sequential measurement. Default: ${DEFAULT-VALUE}.")
    private int laneKeys;

    @Option(names = "--lanes", paramLabel = "L", defaultValue = "" + BenchSettings.DEFAULT_LANES,
            description = "Lanes compared with one lane. Default: ${DEFAULT-VALUE}.")
    private int lanes;

    @Option(names = "--handler-latency", paramLabel = "DURATION", defaultValue = "2ms",
            converter = DurationConverter.class,
            description = "Simulated handler time in the lanes measurement. Default: ${DEFAULT-VALUE}.")
    private Duration handlerLatency;

    @Option(names = "--latency-messages", paramLabel = "N",
            defaultValue = "" + BenchSettings.DEFAULT_LATENCY_MESSAGES,
            description = "Messages of the latency measurement. Default: ${DEFAULT-VALUE}.")
    private int latencyMessages;

    @Option(names = "--latency-rate", paramLabel = "R", defaultValue = "" + BenchSettings.DEFAULT_LATENCY_RATE,
            description = "Publish rate (msg/s) of the latency measurement. Default: ${DEFAULT-VALUE}.")
    private int latencyRate;

    @Option(names = "--delay-messages", paramLabel = "N", defaultValue = "" + DelayBench.DEFAULT_MESSAGES,
            description = "Messages of the delay-accuracy measurement (delays 1-3 s). Default: ${DEFAULT-VALUE}.")
    private int delayMessages;

    @Option(names = "--memory-messages", paramLabel = "N", defaultValue = "" + MemoryBench.DEFAULT_MESSAGES,
            description = "Backlog of the memory measurement, consumed in a JVM with -Xmx" + MemoryBench.HEAP
                    + " (on --broker memory at most " + MemoryBench.EMBEDDED_MAX_MESSAGES + ": the embedded "
                    + "broker's backlog shares that heap). Default: ${DEFAULT-VALUE}.")
    private int memoryMessages;

    @Option(names = "--join-messages", paramLabel = "N", defaultValue = "" + DEFAULT_JOIN_MESSAGES,
            description = "Messages of the pc section's join workload (a second consumer joins at 30%%). "
                    + "Default: ${DEFAULT-VALUE}.")
    private int joinMessages;

    @Option(names = "--redis-latency", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --redis on this host's loopback: every Redis client of the run (Keel's store, the "
                    + "naive dedup's) reaches it through a proxy that delays each direction by DURATION, e.g. 250us, "
                    + "as a Redis on another host would be. Latency, not bandwidth: a pipelined batch pays one round "
                    + "trip, a client waiting for each reply pays every one. The report's header says so. Default: "
                    + "none (Redis reached directly).")
    private Duration redisLatency;

    @Option(names = "--redis-cpus", paramLabel = "CPUS",
            description = "With --redis on this host: pins the Redis server (every thread, taskset -a -cp) to these "
                    + "CPUs, e.g. 1 or 2-3, and this bench's JVM to its other CPUs, for the run; both get their CPUs "
                    + "back at the end. Emulates a Redis on a host of its own on a small machine; the broker is not "
                    + "pinned. Needs taskset (util-linux) and the right to change Redis's affinity. The report's "
                    + "header says what was pinned. Default: nothing pinned.")
    private String redisCpus;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "Run the selected sections N times (Keel and the raw client interleaved within each run) "
                    + "and report the median and range (min - max) of every measure; the memory section runs "
                    + "once. Default: ${DEFAULT-VALUE}.")
    private int repeat;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
            description = "The longest one measurement may take. Default: ${DEFAULT-VALUE}.")
    private Duration timeout;

    @Option(names = "--only", paramLabel = "SECTION", split = ",",
            description = "Run only these sections: publish, consume, share, lanes, latency, recovery, delay, memory, "
                    + "outbox, "
                    + "inbox (these two need --outbox), pc (Kafka only, needs --parallel-consumer-jar). Default: all "
                    + "but pc (outbox and inbox only with --outbox).")
    private Set<Section> only;

    @Option(names = "--parallel-consumer-jar", paramLabel = "PATH",
            description = "The Confluent Parallel Consumer baseline jar the pc section runs in its own JVM (built by "
                    + "the repository's parallel-consumer-baseline module: " + ParallelConsumerBench.JAR_IN_BUILD
                    + ").")
    private Path parallelConsumerJar;

    static final int DEFAULT_JOIN_MESSAGES = 20_000;

    /** The measurements, in the order they run. */
    enum Section { publish, consume, share, lanes, latency, recovery, delay, memory, outbox, inbox, pc }

    /** Sections that run only when named in {@code --only}. */
    private static final Set<Section> ON_REQUEST = EnumSet.of(Section.pc);

    @Mixin
    private DatabaseOptions outboxDatabase = new DatabaseOptions();

    @Mixin
    private TlsCompareOptions tlsCompare = new TlsCompareOptions();

    @Option(names = "--outbox-commit-rate", paramLabel = "R", defaultValue = "" + OutboxBench.DEFAULT_COMMIT_RATE,
            description = "Single-row commits per second of the outbox section's commit-to-publish latency "
                    + "measurement (1-" + OutboxBench.MAX_COMMIT_RATE + "). Default: ${DEFAULT-VALUE}.")
    private int outboxCommitRate;

    @Option(names = "--json", description = "Print the results as one JSON object instead of tables.")
    private boolean json;

    @Option(names = "--csv", description = "Print the results as CSV, one line per measure, instead of tables.")
    private boolean csv;

    @Option(names = "--progress", negatable = true,
            description = "Progress bars on stderr. Default: on when stderr is a terminal.")
    private Boolean progress;

    @Override
    public Integer call() throws Exception {
        BenchSettings settings;
        try {
            settings = new BenchSettings(messages, keys, payloadBytes, consumeLanes, consumeInFlight, laneMessages,
                    laneKeys, lanes, handlerLatency, latencyMessages, latencyRate, timeout);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (repeat < 1 || repeat > MAX_REPEAT) {
            throw new ParameterException(spec.commandLine(), "--repeat must be in [1, " + MAX_REPEAT + "], was "
                    + repeat);
        }
        if (memoryMessages < 1) {
            throw new ParameterException(spec.commandLine(), "--memory-messages must be at least 1, was "
                    + memoryMessages);
        }
        if (json && csv) {
            throw new ParameterException(spec.commandLine(), "--json and --csv are exclusive: choose one");
        }
        if (joinMessages < 10) {
            throw new ParameterException(spec.commandLine(), "--join-messages must be at least 10, was " + joinMessages);
        }
        if (delayMessages < 1) {
            throw new ParameterException(spec.commandLine(), "--delay-messages must be at least 1, was " + delayMessages);
        }
        if (outboxCommitRate < 1 || outboxCommitRate > OutboxBench.MAX_COMMIT_RATE) {
            throw new ParameterException(spec.commandLine(), "--outbox-commit-rate must be in [1, "
                    + OutboxBench.MAX_COMMIT_RATE + "], was " + outboxCommitRate);
        }
        for (Section database : new Section[] {Section.outbox, Section.inbox}) {
            if (only != null && only.contains(database) && outboxDatabase.url() == null) {
                throw new ParameterException(spec.commandLine(), "--only " + database + " needs --outbox JDBC_URL, "
                        + "e.g. --outbox jdbc:postgresql://127.0.0.1:5432/test");
            }
        }
        if (only != null && only.contains(Section.pc)) {
            checkParallelConsumer();
        }
        CpuList pinCpus = redisPlacementFlags();
        BrokerMode mode = BrokerModes.lookup(broker.broker());
        broker.tls(); // the TLS flags checked at once, before any connection
        BrokerOptions tlsSide = tlsCompareSide();
        mode.preflight(broker);
        if (tlsSide != null) {
            try {
                mode.preflight(tlsSide);
            } catch (EnvironmentException e) {
                throw new EnvironmentException("the TLS endpoint of --tls-compare (" + mode.endpoint(tlsSide) + "): "
                        + e.getMessage().replace("--rabbit-uri", "--rabbit-tls-uri")
                        .replace("--bootstrap-servers", "--kafka-tls-bootstrap-servers")
                        .replace("--artemis-url", "--artemis-tls-url").replace("--activemq-url", "--activemq-tls-url"), e);
            }
        }
        StoreChoice direct = StoreChoice.from(broker);
        RedisPinning pinning = pinCpus == null ? null : RedisPinning.pin(direct, pinCpus);
        RedisDistance distance = null;
        try {
            distance = redisLatency == null ? null : RedisDistance.start(direct, redisLatency);
            return run(mode, distance != null ? distance.store() : direct, settings, distance, pinning, tlsSide);
        } finally {
            if (distance != null) {
                distance.close();
            }
            String warning = pinning == null ? null : pinning.restore();
            if (warning != null) {
                spec.commandLine().getErr().println("keel: warning: " + warning);
            }
        }
    }

    /**
     * Checks the flags of {@code --tls-compare} and returns the TLS side's broker options, or null without
     * {@code --tls-compare}; without {@code --repeat} the run then has {@link TlsCompareOptions#DEFAULT_ROUNDS} rounds.
     */
    private BrokerOptions tlsCompareSide() {
        try {
            if (!tlsCompare.enabled()) {
                tlsCompare.checkUnused();
                return null;
            }
            if (only != null && !only.isEmpty() && !EnumSet.of(Section.publish, Section.consume).containsAll(only)) {
                throw new IllegalArgumentException("--tls-compare measures publish and consume only: --only publish, "
                        + "consume or both (was --only " + String.join(",", only.stream().map(Enum::name).toList())
                        + ")");
            }
            BrokerOptions side = tlsCompare.tlsSide(broker);
            if (!spec.commandLine().getParseResult().hasMatchedOption("--repeat")) {
                repeat = TlsCompareOptions.DEFAULT_ROUNDS;
            }
            return side;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * Checks {@code --redis-latency} and {@code --redis-cpus}: both act on the one Redis server of
     * {@code --redis}; returns the CPUs of {@code --redis-cpus}, or null.
     */
    private CpuList redisPlacementFlags() {
        if (redisLatency == null && redisCpus == null) {
            return null;
        }
        String flags = redisLatency != null && redisCpus != null ? "--redis-latency and --redis-cpus"
                : redisLatency != null ? "--redis-latency" : "--redis-cpus";
        if (broker.redis() == null) {
            throw new ParameterException(spec.commandLine(), flags + " act" + (flags.contains(" and ") ? "" : "s")
                    + " on the Redis of --redis, and there is none: add --redis redis://127.0.0.1:6379 (the "
                    + "in-memory store has no round trip to lengthen and no process to pin)");
        }
        if (broker.redisCluster()) {
            throw new ParameterException(spec.commandLine(), flags + " act" + (flags.contains(" and ") ? "" : "s")
                    + " on one Redis server, not on a Redis Cluster: give --redis one standalone server");
        }
        try {
            if (redisLatency != null) {
                RedisDistance.check(redisLatency);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            return redisCpus == null ? null : CpuList.parse(redisCpus);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--redis-cpus: " + e.getMessage());
        }
    }

    /** Why the run's topics could not all be deleted at its end, or {@code null}. */
    private String cleanupProblem;

    /**
     * Runs the sections; stopped by a signal (SIGTERM, Ctrl-C), the run's threads are interrupted, its child JVMs
     * killed and its topics deleted before the JVM exits ({@link StopOnSignal}): a bench killed so left its scratch
     * topics on the broker.
     */
    private Integer run(BrokerMode mode, StoreChoice store, BenchSettings settings, RedisDistance distance,
                        RedisPinning pinning, BrokerOptions tlsSide) throws Exception {
        StopOnSignal stop = StopOnSignal.install();
        try {
            return measure(mode, store, settings, distance, pinning, tlsSide);
        } catch (Exception e) {
            if (stop.signalled()) {
                spec.commandLine().getErr().println("keel: bench stopped by a signal before the end; "
                        + (cleanupProblem == null ? "its topics were deleted" : cleanupProblem));
                return ExitCodes.USAGE_OR_ENVIRONMENT;
            }
            throw e;
        } finally {
            stop.close();
        }
    }

    private Integer measure(BrokerMode mode, StoreChoice store, BenchSettings settings, RedisDistance distance,
                            RedisPinning pinning, BrokerOptions tlsSide) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Progress bar = Progress.to(spec.commandLine().getErr(), progress != null ? progress : System.console() != null);
        String runId = "b" + Long.toString(System.currentTimeMillis(), 36);
        String header = "keel bench: broker " + mode.name() + " (" + mode.endpoint(broker) + "), store "
                + store.description() + ", " + broker.partitions() + " partitions, " + settings.payloadBytes()
                + "-byte payloads, run " + runId + (repeat > 1 ? ", " + repeat + " runs" : "");
        List<BenchReport> runs = new ArrayList<>();
        long started = System.nanoTime();
        List<TopicSpec> topics = new ArrayList<>();
        boolean[] stopped = {false};
        try (BrokerAdapter adapter = mode.createAdapter(broker);
             IdempotencyStore idempotencyStore = store.create();
             Keel keel = Keel.builder(adapter).idempotencyStore(idempotencyStore).build();
             BrokerAdapter tlsAdapter = tlsSide == null ? null : mode.createAdapter(tlsSide);
             Keel tlsKeel = tlsAdapter == null ? null
                     : Keel.builder(tlsAdapter).idempotencyStore(idempotencyStore).build()) {
            BenchContext base = new BenchContext(keel, adapter, idempotencyStore, mode, broker, store, settings, bar,
                    runId);
            BenchContext tlsBase = tlsKeel == null ? null : base.over(tlsKeel, tlsAdapter, tlsSide);
            topics = base.topics;
            try {
                for (int round = 1; round <= repeat; round++) {
                    BenchContext ctx = repeat == 1 ? base : base.round(round);
                    BenchReport report = new BenchReport(mode.name(), mode.endpoint(broker), store.description());
                    report.headerLine(header);
                    if (tlsBase != null) {
                        report.headerLine("TLS cost: the same broker through its plaintext endpoint (above) and its TLS "
                                + "endpoint " + mode.endpoint(tlsSide) + ", each measure on both back to back, the "
                                + "plaintext one first in odd rounds, the TLS one in even rounds");
                        report.put("tls_endpoint", mode.endpoint(tlsSide));
                    }
                    if (mode.name().equals("kafka")) {
                        report.headerLine("Kafka producers' linger (Keel's and the raw client's alike, --kafka-linger): "
                                + broker.kafkaLinger().toMillis() + " ms");
                        report.put("kafka_linger_ms", broker.kafkaLinger().toMillis());
                    }
                    if (distance != null) {
                        report.headerLine(distance.description());
                        report.put("redis_latency_each_way_ms", distance.eachWay().toNanos() / 1e6);
                    }
                    if (pinning != null) {
                        report.headerLine(pinning.description());
                        report.put("redis_cpus", pinning.redisCpus().toString());
                        report.put("bench_cpus", pinning.benchCpus().toString());
                    }
                    report.put("partitions", broker.partitions());
                    report.put("payload_bytes", settings.payloadBytes());
                    report.put("run", runId);
                    runs.add(report);
                    if (tlsBase != null) {
                        TlsCompareBench.run(ctx, repeat == 1 ? tlsBase : tlsBase.round(round), report,
                                runs(Section.publish), runs(Section.consume), round % 2 == 0);
                    } else {
                        runSections(ctx, report, round);
                    }
                }
            } finally {
                // a stop's interrupt is cleared here, so that closing the clients (which waits for their
                // sends under way) and the cleanup below are not cut short: a Kafka producer cut short could
                // send once more after the cleanup, and a broker creating topics on use make the topic again
                stopped[0] |= Thread.interrupted();
            }
        } catch (TimeoutException e) {
            throw new EnvironmentException(timedOut(e, store.isRedis()), e);
        } finally {
            bar.finish();
            stopped[0] |= Thread.interrupted(); // a stop's interrupt must not cut the cleanup's calls short
            cleanupProblem = TopicCleanup.run(mode, broker, topics.stream().map(TopicSpec::name).toList());
            if (cleanupProblem != null) {
                spec.commandLine().getErr().println("keel: warning: " + cleanupProblem);
            }
            if (stopped[0]) {
                Thread.currentThread().interrupt();
            }
        }
        BenchReport report = repeat == 1 ? runs.get(0) : BenchReport.combine(runs);
        report.put("elapsed_sec", Math.round((System.nanoTime() - started) / 1e7) / 100.0);
        if (json) {
            report.printJson(out);
        } else if (csv) {
            report.printCsv(out);
        } else {
            report.printTable(out);
        }
        return ExitCodes.OK;
    }

    /** One run of the selected sections; the memory section only in the first. */
    private void runSections(BenchContext ctx, BenchReport report, int round) throws Exception {
        BenchSettings settings = ctx.settings;
        if (runs(Section.publish)) {
            PublishBench.run(ctx, report);
        }
        if (runs(Section.consume)) {
            ConsumeBench.run(ctx, report);
        }
        if (runs(Section.share)) {
            ShareGroupBench.run(ctx, report);
        }
        if (runs(Section.lanes)) {
            LanesBench.run(ctx, report);
        }
        if (runs(Section.latency)) {
            LatencyBench.run(ctx, report);
        }
        if (runs(Section.recovery)) {
            RecoveryBench.run(ctx, report);
        }
        if (runs(Section.delay)) {
            DelayBench.run(ctx, report, delayMessages);
        }
        if (round == 1 && runs(Section.memory)) {
            MemoryBench.run(ctx, report, memoryMessages);
        }
        if (runs(Section.pc)) {
            ParallelConsumerBench.run(ctx, report, parallelConsumerJar, joinMessages);
        }
        if (outboxDatabase.url() != null && runs(Section.outbox)) {
            OutboxBench.run(ctx.adapter, ctx.declare("outbox", broker.partitions(), PublishBench.SINK_GROUP),
                    outboxDatabase, ctx.tablePrefix(),
                    settings.messages(), settings.latencyMessages(), outboxCommitRate, settings.keys(), settings.timeout(),
                    report);
        }
        if (outboxDatabase.url() != null && runs(Section.inbox)) {
            int backlog = InboxBench.backlog(settings.messages());
            String topic = ctx.declare("inbox", broker.partitions(), InboxBench.GROUPS.toArray(String[]::new));
            ctx.preload(topic, backlog, settings.keys(), "preload inbox topic");
            InboxBench.run(ctx.keel, ctx.adapter, topic, backlog, settings.consumeLanes(),
                    ctx.store.isRedis() ? "Redis store" : "in-memory store", outboxDatabase, ctx.tablePrefix(),
                    settings.timeout(), report);
        }
    }

    private boolean runs(Section section) {
        if (only == null || only.isEmpty()) {
            return !ON_REQUEST.contains(section);
        }
        return only.contains(section);
    }

    /** {@code --only pc}: Kafka, the baseline jar, a handler time in whole milliseconds. */
    private void checkParallelConsumer() {
        if (!"kafka".equals(broker.broker())) {
            throw new ParameterException(spec.commandLine(), "--only pc compares with Confluent Parallel Consumer, "
                    + "which runs on Kafka only: add --broker kafka (was --broker " + broker.broker() + ")");
        }
        if (parallelConsumerJar == null) {
            throw new ParameterException(spec.commandLine(), "--only pc needs --parallel-consumer-jar PATH: build it "
                    + "with ./mvnw -pl parallel-consumer-baseline -am package and pass "
                    + ParallelConsumerBench.JAR_IN_BUILD);
        }
        if (!Files.isRegularFile(parallelConsumerJar)) {
            throw new ParameterException(spec.commandLine(), "--parallel-consumer-jar: no such file: "
                    + parallelConsumerJar);
        }
        if (handlerLatency.toNanos() % 1_000_000 != 0) {
            throw new ParameterException(spec.commandLine(), "--only pc needs --handler-latency in whole "
                    + "milliseconds (the Parallel Consumer baseline takes milliseconds), was " + handlerLatency);
        }
    }

    /**
     * What a bench that timed out says: the timeout's own message, or, when it has none (amqp-client's connect
     * timeout), that a call to the broker went unanswered; never "null". With {@code --redis}, Redis is named beside
     * the broker: a slow Redis holds the EFFECTIVELY_ONCE passes (the store) and the naive dedup back as a slow broker
     * does.
     */
    static String timedOut(TimeoutException e, boolean redis) {
        String what = e.getMessage() == null || e.getMessage().isBlank()
                ? "a call to the broker went unanswered (" + e.getClass().getSimpleName() + ")" : e.getMessage();
        return "bench: " + what + (redis ? ". The broker or Redis (--redis) is too slow or stuck: check "
                + "them" : ". The broker is too slow or stuck: check it") + ", use fewer --messages or a longer "
                + "--timeout.";
    }
}
