package dev.keel.cli.verify;

import dev.keel.cli.DurationConverter;
import dev.keel.cli.ExitCodes;
import dev.keel.cli.StopOnSignal;
import dev.keel.cli.bench.Progress;
import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerModes;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.outbox.OutboxOptions;
import dev.keel.cli.outbox.OutboxVerify;
import dev.keel.cli.verify.features.FeatureKind;
import dev.keel.cli.verify.features.FeatureResult;
import dev.keel.cli.verify.features.FeatureRun;
import dev.keel.cli.verify.features.FeatureSettings;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.ShareGroupsUnavailableException;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code keel verify}: checks Keel's guarantees under injected faults. */
@Command(name = "verify", sortOptions = false, mixinStandardHelpOptions = true,
        description = {
            "Publishes N messages over K keys with confirmed publish (with duplicate publishes of the same id and "
                + "poison messages), injects faults (--faults), consumes under EFFECTIVELY_ONCE with PER_KEY "
                + "ordering, and checks: no confirmed message lost, each id's effect applied once (beyond what the "
                + "crash window admits), per-key order, every poison message in the dead letters with its cause, "
                + "oversized messages refused with a typed error.",
            "With --duration it runs rounds until the time is up, drawing each round's faults from --seed, and "
                + "prints one line per round.",
            "On a cluster, --kill-node kills a node mid-stream and starts it again through its --node-control "
                + "command, and the same checks run (docs/high-availability.md).",
            "Without --broker it runs on the embedded in-memory broker and store: nothing to install."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every check passed", "1:a guarantee was violated (the report says which, and where)",
            "2:bad flag or value, unreachable broker or Redis, broker not available yet, a --node-control command "
                + "that failed",
            "3:internal error in keel (please report it)"})
public final class VerifyCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private BrokerOptions broker = new BrokerOptions();

    @Mixin
    private OutboxOptions outbox = new OutboxOptions();

    @Option(names = "--messages", paramLabel = "N",
            description = "Distinct messages to publish (per round). Default: " + VerifySettings.DEFAULT_MESSAGES
                    + ", " + VerifySettings.DEFAULT_ROUND_MESSAGES + " with --duration.")
    private Integer messages;

    @Option(names = "--keys", paramLabel = "K", defaultValue = "" + VerifySettings.DEFAULT_KEYS,
            description = "Ordering keys the messages are spread over. Default: ${DEFAULT-VALUE}.")
    private int keys;

    @Option(names = "--lanes", paramLabel = "L", defaultValue = "" + VerifySettings.DEFAULT_LANES,
            description = "Handler lanes (parallelism across keys). Default: ${DEFAULT-VALUE}.")
    private int lanes;

    @Option(names = "--faults", paramLabel = "KIND[,KIND...]", defaultValue = "crash",
            description = "Faults to inject: crash, lost-claim-reply, failing-done, slow-store, network-cut, "
                    + "channel-close, failing-dead-letter, oversized; 'all' (every kind this broker and store "
                    + "support) or 'none'. Default: ${DEFAULT-VALUE}.")
    private String faults;

    @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Run rounds until this much time has passed (e.g. 90s, 5m), each with faults drawn from "
                    + "the seed, checked after each round and overall. Default: one round.")
    private Duration duration;

    @Option(names = "--crash-rate", paramLabel = "p", defaultValue = "" + VerifySettings.DEFAULT_CRASH_RATE,
            description = "With the crash fault: probability that a message crashes the consumer handling it. "
                    + "Default: ${DEFAULT-VALUE}.")
    private double crashRate;

    @Option(names = "--max-crashes", paramLabel = "C", defaultValue = "" + VerifySettings.DEFAULT_MAX_CRASHES,
            description = "The most consumer crashes in one round. Default: ${DEFAULT-VALUE}.")
    private int maxCrashes;

    @Option(names = "--duplicate-rate", paramLabel = "p", defaultValue = "" + VerifySettings.DEFAULT_DUPLICATE_RATE,
            description = "Probability that a message is published again with the same id. Default: ${DEFAULT-VALUE}.")
    private double duplicateRate;

    @Option(names = "--poison-rate", paramLabel = "p", defaultValue = "" + VerifySettings.DEFAULT_POISON_RATE,
            description = "Probability that a message is poison (its handler always fails). Default: ${DEFAULT-VALUE}.")
    private double poisonRate;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of every random choice (workload and fault plan); every run prints it. "
                    + "Default: random.")
    private Long seed;

    @Option(names = "--lease", paramLabel = "DURATION", defaultValue = "2s",
            converter = DurationConverter.class,
            description = "Idempotency lease; a crashed consumer's claims expire after it. Default: ${DEFAULT-VALUE}.")
    private Duration lease;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s", converter = DurationConverter.class,
            description = "How long to wait for every message of a round to be accounted for. "
                    + "Default: ${DEFAULT-VALUE}.")
    private Duration timeout;

    @Option(names = "--unsafe-no-dedup",
            description = "Deliberately broken mode: AT_LEAST_ONCE without idempotency, to see verify catch the "
                    + "duplicates crashes and duplicate publishes cause. Exits 1.")
    private boolean unsafeNoDedup;

    @Option(names = "--unsafe-stop-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Deliberately broken mode for --faults graceful-stop: close the consumer within this "
                    + "timeout (shorter than its handlers, e.g. 0ms), so handlers still running are abandoned "
                    + "unacknowledged; with --unsafe-no-dedup verify sees their messages applied twice. Exits 1.")
    private Duration unsafeStopTimeout;

    @Option(names = "--kill-node", paramLabel = "NAME[,NAME...]", split = ",",
            description = "Kill this broker node mid-stream and start it again, through its --node-control command; "
                    + "with several names (or --duration rounds) round n kills the n-th, cycling. The report says "
                    + "when each node went down, for how long the stream paused, and which publishes failed.")
    private List<String> killNodes;

    @Option(names = "--node-control", paramLabel = "NAME=COMMAND",
            description = "How to kill and start node NAME (repeat per node): a shell command (run by /bin/sh -c) "
                    + "with {action} replaced by kill or start and {node} by NAME, e.g. "
                    + "'kafka-2=ssh kafka-2 sudo /opt/keel/node.sh {action}'. It must return once the node is "
                    + "down (kill) or back (start), exit 0 on success; KEEL_NODE and KEEL_ACTION are also set.")
    private List<String> nodeControls;

    @Option(names = "--kill-at", paramLabel = "FRACTION", defaultValue = "" + NodeKillSettings.DEFAULT_AT,
            description = "With --kill-node: the fraction of a round's publishes sent before the kill; the rest "
                    + "are published while the node is down. Default: ${DEFAULT-VALUE}.")
    private double killAt;

    @Option(names = "--down-for", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "With --kill-node: how long the node stays down before its start command. "
                    + "Default: ${DEFAULT-VALUE}.")
    private Duration downFor;

    @Option(names = "--control-timeout", paramLabel = "DURATION", defaultValue = "120s",
            converter = DurationConverter.class,
            description = "With --kill-node: how long one kill or start command may take before it is killed "
                    + "and the run reports it (exit 2). Default: ${DEFAULT-VALUE}.")
    private Duration controlTimeout;

    @Option(names = "--share-group",
            description = "Consume as a share group (SubscriptionConfig.Builder.shareGroup(true), unordered): the "
                    + "members take the messages one by one, retries go back through the broker (its delivery "
                    + "count is the attempt), and per-key order is not checked. Needs a broker with share groups "
                    + "(--broker kafka, Kafka 4.2 or later); channel-close is left out (Kafka cannot drop a share "
                    + "group member's session from outside). Applies to the main run, not to --features.")
    private boolean shareGroup;

    @Option(names = "--features", paramLabel = "KIND[,KIND...]",
            description = "After the run above, run feature workloads, each on its own topic with a consumer "
                    + "restarted mid-operation: delay, nonblocking-retry, redrive, outbox (the --outbox check, needs "
                    + "--outbox), or 'all' (every one this broker supports; outbox with --outbox). Default: none.")
    private String features;

    @Option(names = "--feature-messages", paramLabel = "N", defaultValue = "" + FeatureSettings.DEFAULT_MESSAGES,
            description = "Messages each feature workload publishes. Default: ${DEFAULT-VALUE}.")
    private int featureMessages;

    @Option(names = "--unsafe-ignore-delay",
            description = "Deliberately broken mode for --features delay: publish the delayed messages without "
                    + "their delay, to see verify catch them delivered early. Exits 1.")
    private boolean unsafeIgnoreDelay;

    @Option(names = "--unsafe-no-retry",
            description = "Deliberately broken mode for --features nonblocking-retry: retry nothing, to see verify "
                    + "catch transient failures lost to the dead letters. Exits 1.")
    private boolean unsafeNoRetry;

    @Option(names = "--unsafe-redrive-copy",
            description = "Deliberately broken mode for --features redrive: publish the dead letters again as plain "
                    + "copies instead of re-driving them, to see verify catch copies reaching another group and "
                    + "skipped by the idempotency store. Exits 1.")
    private boolean unsafeRedriveCopy;

    @Option(names = "--progress", negatable = true,
            description = "Progress bar on stderr. Default: on when stderr is a terminal.")
    private Boolean progress;

    /** The main run while it runs or after it ended, for what a stop says about its topics. */
    private VerifyRun run;

    /**
     * Runs the checks; stopped by a signal (SIGTERM, Ctrl-C), the run's threads are interrupted, its child processes
     * killed and its topics deleted before the JVM exits ({@link StopOnSignal}): a verify killed so left its topics,
     * their queues and their messages on the broker.
     */
    @Override
    public Integer call() throws Exception {
        StopOnSignal stop = StopOnSignal.install();
        try {
            Integer code = verify(stop);
            if (stop.signalled()) { // the signal came as the run ended: its topics were deleted all the same
                return stopped();
            }
            return code;
        } catch (Exception e) {
            if (stop.signalled()) {
                return stopped();
            }
            throw e;
        } finally {
            stop.close();
        }
    }

    /** Says that the run was stopped, and whether its topics were deleted; the JVM exits with the signal's code. */
    private int stopped() {
        String problem = run == null ? null : run.cleanupProblem();
        spec.commandLine().getErr().println("keel: verify stopped by a signal before the end; " + (problem == null
                ? "its topics were deleted" : problem));
        return ExitCodes.USAGE_OR_ENVIRONMENT;
    }

    private Integer verify(StopOnSignal stop) throws Exception {
        BrokerMode mode = BrokerModes.lookup(broker.broker());
        NodeKillSettings nodeKills;
        try {
            broker.checkReplication();
            nodeKills = NodeKillSettings.of(killNodes, nodeControls, killAt, downFor, controlTimeout);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (nodeKills != null && FaultEnvironment.EMBEDDED.equals(mode.name())) {
            throw new ParameterException(spec.commandLine(), "--kill-node needs a real broker cluster (--broker "
                    + "kafka, rabbit, rocket, artemis or activemq): the embedded broker has no node to kill");
        }
        if (shareGroup) {
            requireSharedConsumption(mode);
        }
        if (outbox.database().url() != null && features == null) {
            if (shareGroup) {
                throw new ParameterException(spec.commandLine(), "--share-group is not supported with the outbox "
                        + "check (--outbox): run them separately");
            }
            if (nodeKills != null) {
                throw new ParameterException(spec.commandLine(), "--kill-node is not supported with the outbox "
                        + "check (--outbox) yet; run them separately");
            }
            return outboxRun(mode);
        }
        VerifySettings settings;
        try {
            int n = messages != null ? messages : duration != null ? VerifySettings.DEFAULT_ROUND_MESSAGES
                    : VerifySettings.DEFAULT_MESSAGES;
            settings = new VerifySettings(n, keys, lanes, crashRate, maxCrashes, duplicateRate, poisonRate,
                    seed != null ? seed : ThreadLocalRandom.current().nextLong(1, 1_000_000_000L), !unsafeNoDedup,
                    lease, timeout, faultKinds(mode), duration);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean showProgress = progress != null ? progress : System.console() != null;
        if (unsafeStopTimeout != null && (unsafeStopTimeout.isNegative()
                || !settings.faults().contains(FaultKind.GRACEFUL_STOP))) {
            throw new ParameterException(spec.commandLine(), "--unsafe-stop-timeout needs --faults with graceful-stop"
                    + " and a duration of 0 or more, was " + unsafeStopTimeout);
        }
        if (features == null && (unsafeIgnoreDelay || unsafeNoRetry || unsafeRedriveCopy)) {
            throw new ParameterException(spec.commandLine(), "--unsafe-ignore-delay, --unsafe-no-retry and "
                    + "--unsafe-redrive-copy need --features with the workload they break");
        }
        FeatureSettings featureSettings = features == null ? null : featureSettings(mode, settings);
        run = new VerifyRun(mode, broker, settings, nodeKills, Progress.to(err, showProgress), out, unsafeStopTimeout)
                .shareGroup(shareGroup).stopWhen(stop::signalled);
        VerifyReport report = run.run();
        report.print(out);
        boolean featuresPassed = true;
        if (featureSettings != null && !stop.signalled()) {
            out.println();
            featuresPassed = new FeatureRun(mode, broker, featureSettings, out).run().stream()
                    .allMatch(FeatureResult::passed);
            if (featureSettings.features().contains(FeatureKind.OUTBOX)) {
                out.println();
                out.println("keel verify --features outbox: the outbox and inbox check of --outbox");
                featuresPassed &= outboxRun(mode) == ExitCodes.OK;
            }
        }
        if (!report.passed() || !featuresPassed) {
            return ExitCodes.VIOLATIONS;
        }
        return report.controlFailed() ? ExitCodes.USAGE_OR_ENVIRONMENT : ExitCodes.OK;
    }

    /**
     * The --faults kinds for this broker; with --share-group, channel-close is left out of 'all' and refused when named
     * (Kafka removes a classic group's members on request, not a share group's).
     */
    private Set<FaultKind> faultKinds(BrokerMode mode) {
        Set<FaultKind> kinds = FaultKind.parse(faults, FaultEnvironment.of(mode.name(), broker.redis(),
                broker.redisCluster(), mode.loopbackAddress(broker).isPresent()));
        if (!shareGroup || !kinds.contains(FaultKind.CHANNEL_CLOSE)) {
            return kinds;
        }
        if (java.util.Arrays.stream(faults.split(",")).anyMatch(k -> k.trim().equalsIgnoreCase(
                FaultKind.CHANNEL_CLOSE.label()))) {
            throw new IllegalArgumentException("--faults channel-close is not supported with --share-group: Kafka "
                    + "drops a classic group's sessions on request, but has no way to remove a share group's member "
                    + "from outside its process");
        }
        Set<FaultKind> without = java.util.EnumSet.copyOf(kinds);
        without.remove(FaultKind.CHANNEL_CLOSE);
        return java.util.Collections.unmodifiableSet(without);
    }

    /**
     * --share-group needs an adapter that declares SHARED_CONSUMPTION and, on Kafka, a cluster with share groups
     * enabled ({@link KafkaAdapter#requireShareGroups()}): checked before the run creates or publishes anything.
     */
    private void requireSharedConsumption(BrokerMode mode) throws Exception {
        try (BrokerAdapter probe = mode.createAdapter(broker)) {
            if (!probe.capabilities().contains(Capability.SHARED_CONSUMPTION)) {
                throw new ParameterException(spec.commandLine(), "--share-group needs a broker with share groups "
                        + "(Capability.SHARED_CONSUMPTION): --broker kafka (Kafka 4.2 or later); --broker "
                        + mode.name() + " has none");
            }
            if (probe instanceof KafkaAdapter kafka) {
                try {
                    kafka.requireShareGroups();
                } catch (ShareGroupsUnavailableException e) {
                    throw new ParameterException(spec.commandLine(), "--share-group: " + e.getMessage());
                }
            }
        }
    }

    /** --features and its switches, checked before anything runs; the adapter is asked what it supports. */
    private FeatureSettings featureSettings(BrokerMode mode, VerifySettings settings) throws Exception {
        Set<Capability> capabilities;
        try (BrokerAdapter probe = mode.createAdapter(broker)) {
            capabilities = probe.capabilities();
        }
        try {
            FeatureSettings parsed = new FeatureSettings(FeatureKind.parse(features, capabilities, outbox.database().url() != null), settings.seed(),
                    featureMessages, keys, broker.partitions(), lease, timeout, unsafeIgnoreDelay, unsafeNoRetry,
                    unsafeRedriveCopy);
            requireFeature(unsafeIgnoreDelay, "--unsafe-ignore-delay", FeatureKind.DELAY, parsed);
            requireFeature(unsafeNoRetry, "--unsafe-no-retry", FeatureKind.NONBLOCKING_RETRY, parsed);
            requireFeature(unsafeRedriveCopy, "--unsafe-redrive-copy", FeatureKind.REDRIVE, parsed);
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static void requireFeature(boolean on, String flag, FeatureKind kind, FeatureSettings settings) {
        if (on && !settings.features().contains(kind)) {
            throw new IllegalArgumentException(flag + " needs --features with " + kind.label());
        }
    }

    private int outboxRun(BrokerMode mode) throws Exception {
        OutboxVerify run;
        try {
            run = new OutboxVerify(mode, broker, outbox, messages != null ? messages : VerifySettings.DEFAULT_MESSAGES,
                    keys, lanes, seed != null ? seed : ThreadLocalRandom.current().nextLong(1, 1_000_000_000L), lease,
                    timeout, spec.commandLine().getOut());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return run.run();
    }
}
