package dev.keel.cli.bench;

import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import dev.keel.TopicSpec;
import dev.keel.cli.DurationConverter;
import dev.keel.cli.EnvironmentException;
import dev.keel.cli.ExitCodes;
import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerModes;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.outbox.InboxBench;
import dev.keel.cli.outbox.OutboxBench;
import dev.keel.cli.outbox.DatabaseOptions;
import dev.keel.cli.broker.StoreChoice;
import dev.keel.cli.broker.TopicCleanup;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
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
                + "round trips per message); key-ordered lanes / sequential processing; end-to-end latency "
                + "percentiles; recovery after a consumer crash (EFFECTIVELY_ONCE, default lease); delayed-delivery "
                + "lateness (p50/p99/max after the due time); with --outbox, the outbox relay and the JDBC inbox (plain and "
                + "transactional) against the Redis store.",
            "Without --broker it runs on the embedded in-memory broker: raw-client rows are then n/a."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the run completed", "2:bad flag or value, unreachable broker or Redis, a measurement "
            + "timed out", "3:internal error in keel (please report it)"})
public final class BenchCommand implements Callable<Integer> {

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

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
            description = "The longest one measurement may take. Default: ${DEFAULT-VALUE}.")
    private Duration timeout;

    @Option(names = "--only", paramLabel = "SECTION", split = ",",
            description = "Run only these sections: publish, consume, lanes, latency, recovery, delay, outbox, inbox "
                    + "(these two need --outbox). Default: all (outbox and inbox only with --outbox).")
    private Set<Section> only;

    /** The measurements, in the order they run. */
    enum Section { publish, consume, lanes, latency, recovery, delay, outbox, inbox }

    @Mixin
    private DatabaseOptions outboxDatabase = new DatabaseOptions();

    @Option(names = "--json", description = "Print the results as one JSON object instead of tables.")
    private boolean json;

    @Option(names = "--progress", negatable = true,
            description = "Progress bars on stderr. Default: on when stderr is a terminal.")
    private Boolean progress;

    @Override
    public Integer call() throws Exception {
        BenchSettings settings;
        try {
            settings = new BenchSettings(messages, keys, payloadBytes, consumeLanes, laneMessages, laneKeys, lanes,
                    handlerLatency, latencyMessages, latencyRate, timeout);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (delayMessages < 1) {
            throw new ParameterException(spec.commandLine(), "--delay-messages must be at least 1, was " + delayMessages);
        }
        for (Section database : new Section[] {Section.outbox, Section.inbox}) {
            if (only != null && only.contains(database) && outboxDatabase.url() == null) {
                throw new ParameterException(spec.commandLine(), "--only " + database + " needs --outbox JDBC_URL, "
                        + "e.g. --outbox jdbc:postgresql://127.0.0.1:5432/test");
            }
        }
        BrokerMode mode = BrokerModes.lookup(broker.broker());
        mode.preflight(broker);
        StoreChoice store = StoreChoice.from(broker);
        PrintWriter out = spec.commandLine().getOut();
        Progress bar = Progress.to(spec.commandLine().getErr(), progress != null ? progress : System.console() != null);
        String runId = "b" + Long.toString(System.currentTimeMillis(), 36);
        BenchReport report = new BenchReport(mode.name(), mode.endpoint(broker), store.description());
        report.headerLine("keel bench: broker " + mode.name() + " (" + mode.endpoint(broker) + "), store "
                + store.description() + ", " + broker.partitions() + " partitions, " + settings.payloadBytes()
                + "-byte payloads, run " + runId);
        report.put("partitions", broker.partitions());
        report.put("payload_bytes", settings.payloadBytes());
        report.put("run", runId);
        long started = System.nanoTime();
        List<TopicSpec> topics = new ArrayList<>();
        try (BrokerAdapter adapter = mode.createAdapter(broker);
             IdempotencyStore idempotencyStore = store.create();
             Keel keel = Keel.builder(adapter).idempotencyStore(idempotencyStore).build()) {
            BenchContext ctx = new BenchContext(keel, adapter, idempotencyStore, mode, broker, store, settings, bar,
                    runId);
            topics = ctx.topics;
            if (runs(Section.publish)) {
                PublishBench.run(ctx, report);
            }
            if (runs(Section.consume)) {
                ConsumeBench.run(ctx, report);
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
            if (outboxDatabase.url() != null && runs(Section.outbox)) {
                OutboxBench.run(keel, ctx.declare("outbox", broker.partitions(), PublishBench.SINK_GROUP),
                        outboxDatabase, runId,
                        settings.messages(), settings.latencyMessages(), settings.keys(), settings.timeout(), report);
            }
            if (outboxDatabase.url() != null && runs(Section.inbox)) {
                int backlog = InboxBench.backlog(settings.messages());
                String topic = ctx.declare("inbox", broker.partitions(), InboxBench.GROUPS.toArray(String[]::new));
                ctx.preload(topic, backlog, settings.keys(), "preload inbox topic");
                InboxBench.run(keel, adapter, topic, backlog, settings.consumeLanes(),
                        store.isRedis() ? "Redis store" : "in-memory store", outboxDatabase, runId,
                        settings.timeout(), report);
            }
        } catch (TimeoutException e) {
            throw new EnvironmentException("bench: " + e.getMessage() + ". The broker is too slow or stuck: check it, "
                    + "use fewer --messages or a longer --timeout.", e);
        } finally {
            bar.finish();
            String cleanup = TopicCleanup.run(mode, broker, topics.stream().map(TopicSpec::name).toList());
            if (cleanup != null) {
                spec.commandLine().getErr().println("keel: warning: " + cleanup);
            }
        }
        report.put("elapsed_sec", Math.round((System.nanoTime() - started) / 1e7) / 100.0);
        if (json) {
            report.printJson(out);
        } else {
            report.printTable(out);
        }
        return ExitCodes.OK;
    }

    private boolean runs(Section section) {
        return only == null || only.isEmpty() || only.contains(section);
    }
}
