package dev.keel.cli.verify;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.cli.CountingMetrics;
import dev.keel.cli.bench.Progress;
import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.broker.ObservedAdapter;
import dev.keel.cli.broker.StoreChoice;
import dev.keel.cli.broker.TopicCleanup;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.faults.FaultProxy;
import dev.keel.metrics.MetricEvent;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.LostReplyIdempotencyStore;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * One verify run: declares a fresh topic, starts the consumer (its generations, replaced by crashes
 * and dropped sessions; its subscription ensures the dead-letter topic) and the dead-letter reader,
 * then has {@link VerifyRounds} run the rounds (one, or rounds until {@code --duration} is up). The
 * guarantees are checked once more over every round at the end, the report is assembled, and the
 * run's topics are deleted whatever happened. See docs/cli.md.
 */
public final class VerifyRun {

    public static final String GROUP = "keel-verify";
    public static final String DLT_GROUP = "keel-verify-dlt";
    static final Duration MIN_RETENTION = Duration.ofMinutes(10);
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long the publisher's circuit breaker stays open: short, so a round after a cut publishes again. */
    static final Duration BREAKER_OPEN = Duration.ofSeconds(1);
    static final RetryPolicy POISON_RETRIES = RetryPolicy.custom().maxAttempts(3)
            .initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(10)).jitter(0.0).build();
    /** The header an oversized-header message carries. */
    static final String OVERSIZED_HEADER = "x-keel-verify-oversized";

    private final BrokerMode mode;
    private final BrokerOptions options;
    private final VerifySettings settings;
    private final Progress progress;
    private final PrintWriter out;
    private final EffectLedger ledger = new EffectLedger();
    private final DeadLetterCollector deadLetters = new DeadLetterCollector();
    private final List<String> notes = new ArrayList<>();
    private final LongAdder handled = new LongAdder();
    private final NodeKillSettings nodeKills;
    private final VerifyRounds driver;
    private final Duration unsafeStopTimeout;
    private boolean shareGroup;
    private volatile String cleanupProblem;

    /**
     * @param nodeKills the node each round kills and how ({@code --kill-node}); {@code null}: none
     * @param out       where the header and one line per round go as the run goes
     */
    public VerifyRun(BrokerMode mode, BrokerOptions options, VerifySettings settings, NodeKillSettings nodeKills,
                     Progress progress, PrintWriter out) {
        this(mode, options, settings, nodeKills, progress, out, null);
    }

    /**
     * @param unsafeStopTimeout the close timeout of graceful-stop's closes, shorter than the handlers on purpose
     *                          ({@code --unsafe-stop-timeout}); {@code null}: the subscription's own
     */
    public VerifyRun(BrokerMode mode, BrokerOptions options, VerifySettings settings, NodeKillSettings nodeKills,
                     Progress progress, PrintWriter out, Duration unsafeStopTimeout) {
        this.unsafeStopTimeout = unsafeStopTimeout;
        this.nodeKills = nodeKills;
        this.mode = mode;
        this.options = options;
        this.settings = settings;
        this.progress = progress;
        this.out = out;
        this.driver = new VerifyRounds(settings, nodeKills, progress, out, ledger, deadLetters, notes, handled,
                ConcurrentHashMap.newKeySet());
    }

    /**
     * Consumes as a share group ({@code --share-group}): {@code shareGroup(true)}, unordered, so per-key order is
     * not checked. The broker's adapter must declare {@code SHARED_CONSUMPTION}.
     */
    public VerifyRun shareGroup(boolean shareGroup) {
        this.shareGroup = shareGroup;
        driver.checkPerKeyOrder(!shareGroup);
        return this;
    }

    /**
     * Ends the run as soon as {@code stopped} says so (a stop by a signal): the round under way gives up, and the run
     * closes its consumers and clients and deletes its topics. The thread's interrupt does that too, unless a client
     * swallowed it.
     */
    public VerifyRun stopWhen(BooleanSupplier stopped) {
        driver.stopWhen(stopped);
        return this;
    }

    /**
     * Why the run's topics could not all be deleted at its end ({@link TopicCleanup}), or {@code null}: they were (or
     * are kept, {@code --keep-topics}), or the run has not ended. Also in the report's notes, which a run stopped by a
     * signal does not print.
     */
    public String cleanupProblem() {
        return cleanupProblem;
    }

    /**
     * Runs it and returns its report. Stopped by a signal ({@code StopOnSignal} interrupts this thread), it throws or
     * returns as soon as the round under way gives up, closes its consumers and clients, deletes its topics and
     * returns with this thread's interrupt set again.
     */
    public VerifyReport run() {
        long started = System.nanoTime();
        String runId = "v" + Long.toString(System.currentTimeMillis(), 36)
                + Long.toString(Math.abs(settings.seed() % 1296), 36);
        String topic = "keel-verify-" + runId;
        options.tls(); // the TLS flags checked at once, before any connection
        FaultEnvironment env = FaultEnvironment.of(mode.name(), options.redis(), options.redisCluster(),
                mode.loopbackAddress(options).isPresent());
        SizeLimits limits = SizeLimits.of(mode.name());
        mode.preflight(options);
        StoreChoice store = StoreChoice.from(options);
        CountingMetrics metrics = new CountingMetrics();
        BrokerAdapter raw = mode.createAdapter(options);
        InMemoryBroker embedded = raw instanceof InMemoryBroker b ? b : null;
        DeliveryGuarantee guarantee = settings.dedup() ? DeliveryGuarantee.EFFECTIVELY_ONCE
                : DeliveryGuarantee.AT_LEAST_ONCE;
        boolean proxied = store.isRedis() && env.proxyableRedis() && (settings.faults().contains(FaultKind.NETWORK_CUT)
                || settings.faults().contains(FaultKind.SLOW_STORE));
        // channel-close on a real broker: each consumer generation connects through a proxy of its own
        boolean ownConsumers = embedded == null && settings.faults().contains(FaultKind.CHANNEL_CLOSE)
                && mode.groupSessionDrop(options, GROUP).isEmpty();
        String setup = "broker " + mode.name() + " (" + mode.endpoint(options) + ")"
                + (ownConsumers ? ", each consumer through a proxy of its own on 127.0.0.1" : "") + ", store "
                + store.description() + (proxied ? " through a proxy on 127.0.0.1" : "") + ", " + guarantee
                + (settings.dedup() ? "" : " (--unsafe-no-dedup: dedup off on purpose)")
                + (unsafeStopTimeout == null ? "" : ", graceful stops close within " + unsafeStopTimeout.toMillis()
                + " ms (--unsafe-stop-timeout: shorter than the handlers on purpose)")
                + (shareGroup ? ", share group (unordered: no per-key order to check), " : ", PER_KEY, ")
                + settings.lanes() + " lanes, topic " + topic;
        printHeader(setup, env);
        ConsumerGenerations[] generationsRef = new ConsumerGenerations[1];
        ObservedAdapter adapter = new ObservedAdapter(raw);
        String deadLetterTopic = adapter.defaultDeadLetterTopic(topic);
        // deleted with their default dead-letter topics: <topic>.DLT, and that of the dead-letter reader
        List<String> scratch = List.of(topic, deadLetterTopic);
        adapter.observe(deadLetterTopic, deadLetters::observeRaw);
        adapter.observe(topic, r -> driver.delivered(r.id()));
        ObservedStore observedStore;
        LostReplyIdempotencyStore lostReplies;
        boolean[] stopped = {false};
        try {
            try (adapter; FaultProxy proxy = proxied ? proxyTo(store) : null) {
                IdempotencyStore base = proxy != null ? store.createThrough(proxy.host(), proxy.port())
                        : store.create();
                SlowIdempotencyStore slow = new SlowIdempotencyStore(base);
                FaultyIdempotencyStore failing = new FaultyIdempotencyStore(slow);
                lostReplies = new LostReplyIdempotencyStore(failing);
                observedStore = new ObservedStore(lostReplies, id -> generationsRef[0].settled(id));
                try (observedStore; Keel keel = Keel.builder(adapter).idempotencyStore(observedStore).metrics(metrics)
                        // on a real broker the order checked is the publish order, which is the broker's only when a
                        // key's publishes go one at a time (a retried publish could land behind a later one otherwise)
                        .publisherConfig(PublisherConfig.custom().openDuration(BREAKER_OPEN)
                                .sequentialPerKey(embedded == null).build()).build()) {
                    keel.ensureTopology(TopicSpec.builder(topic).partitions(options.partitions())
                            .replicationFactor(options.replicationFactor())
                            .minInSyncReplicas(options.minInSyncReplicas()).group(GROUP).build());
                    SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                            .guarantee(guarantee).lanes(settings.lanes())
                            .ordering(shareGroup ? Ordering.UNORDERED : Ordering.PER_KEY).shareGroup(shareGroup)
                            .maxInFlight(Math.max(256, settings.lanes())).retryPolicy(POISON_RETRIES)
                            .idempotencyPolicy(IdempotencyPolicy.custom().lease(settings.lease())
                                    .retention(retention()).storeRetryInterval(Duration.ofMillis(100)).build())
                            .closeTimeout(CLOSE_TIMEOUT).build();
                    generationsRef[0] = new ConsumerGenerations(generation -> {
                        VerifyHandler handler = new VerifyHandler(generation, generationsRef[0], ledger, handled);
                        return ownConsumers
                                ? ownConsumer(generation, config, handler, adapter, observedStore, metrics)
                                : ConsumerGenerations.Generation.of(keel.subscribe(config, handler));
                    }, settings.dedup(), driver::inFlightNow, unsafeStopTimeout);
                    try (ConsumerGenerations generations = generationsRef[0]) {
                        try {
                            // the subscription ensures the dead-letter topic, kept for its group
                            generations.start();
                            Subscription dltSubscription = keel.subscribe(SubscriptionConfig.builder(
                                    deadLetterTopic, DLT_GROUP, Codec.bytes())
                                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                                    .ordering(Ordering.UNORDERED).lanes(2).retryPolicy(RetryPolicy.none())
                                    .closeTimeout(CLOSE_TIMEOUT).build(), deadLetters);
                            FaultSwitches switches = new FaultSwitches(slow, failing, lostReplies, proxy,
                                    embedded != null ? embedded.faults() : null, topic, GROUP, deadLetterTopic,
                                    generations, mode.groupSessionDrop(options, GROUP).orElse(null));
                            if (settings.faults().contains(FaultKind.OVERSIZED)) {
                                switches.limitRecordSize();
                            }
                            VerifyRounds.Context context = new VerifyRounds.Context(keel, topic, adapter, generations,
                                    switches, env, limits, embedded, observedStore);
                            long deadline = settings.rounds() ? started + settings.duration().toNanos() : started;
                            for (int n = 1; ; n++) {
                                driver.checkStop();
                                driver.round(n, runId, context);
                                if (!settings.rounds() || System.nanoTime() >= deadline) {
                                    break;
                                }
                            }
                            generations.closeAll(CLOSE_TIMEOUT);
                            dltSubscription.close(CLOSE_TIMEOUT);
                        } finally {
                            // a stop's interrupt (StopOnSignal) is cleared before the consumers and clients close, so
                            // that neither their closes nor the cleanup below are cut short; it is set again after
                            stopped[0] |= Thread.interrupted();
                        }
                    }
                }
            }
        } finally {
            progress.finish();
            stopped[0] |= Thread.interrupted(); // a stop's interrupt must not cut the cleanup's calls short
            cleanupProblem = TopicCleanup.run(mode, options, scratch);
            if (cleanupProblem != null) {
                notes.add(cleanupProblem);
            }
            if (stopped[0]) {
                Thread.currentThread().interrupt();
            }
        }
        Violations violations = new Violations();
        GuaranteeCheck.Summary summary = new GuaranteeCheck(ledger, deadLetters, generationsRef[0].disruptions(),
                VerifyRounds.brokerOrder(embedded, topic), observedStore.lostIds(), !shareGroup)
                .check(driver.rounds(), violations);
        explainDuplicates(observedStore);
        return report(summary, violations, generationsRef[0], observedStore, lostReplies, adapter, metrics, topic,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * A consumer generation with a Keel, an adapter and a proxy on 127.0.0.1 of its own, for
     * channel-close on a real broker: resetting its proxy's connections drops its broker session and
     * nobody else's. Its deliveries and acks count with the run's ({@link ObservedAdapter#alongside}).
     */
    private ConsumerGenerations.Generation ownConsumer(int generation, SubscriptionConfig<String> config,
                                                       VerifyHandler handler, ObservedAdapter observed,
                                                       IdempotencyStore store, CountingMetrics metrics) {
        InetSocketAddress broker = mode.loopbackAddress(options).orElseThrow();
        FaultProxy proxy = FaultProxy.to(broker.getHostString(), broker.getPort());
        List<AutoCloseable> opened = new ArrayList<>(List.of(proxy));
        Runnable closeAll = () -> {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception e) {
                    notes.add("consumer " + generation + ": closing failed: " + e);
                }
            }
        };
        try {
            ObservedAdapter adapter = observed.alongside(mode.createAdapterThrough(options, proxy.host(), proxy.port(),
                    "keel-verify-consumer-" + generation));
            opened.add(adapter);
            Keel keel = Keel.builder(adapter).idempotencyStore(store).metrics(metrics).build();
            opened.add(keel);
            return new ConsumerGenerations.Generation(keel.subscribe(config, handler), closeAll::run, proxy::cut);
        } catch (RuntimeException e) {
            closeAll.run();
            throw e;
        }
    }

    /** A proxy on 127.0.0.1 in front of the Redis of {@code --redis}, for network-cut and slow-store. */
    private static FaultProxy proxyTo(StoreChoice store) {
        InetSocketAddress redis = store.redisAddress();
        return FaultProxy.to(redis.getHostString(), redis.getPort());
    }

    private void printHeader(String setup, FaultEnvironment env) {
        out.println("keel verify: " + setup);
        out.println("seed " + settings.seed() + ": rerun with --seed " + settings.seed());
        String faults = settings.faults().isEmpty() ? "none" : settings.faults().stream()
                .map(k -> k == FaultKind.CRASH ? "crash (crash-rate " + settings.crashRate() + ", at most "
                        + settings.maxCrashes() + " a round)" : k.label()).collect(Collectors.joining(", "));
        List<String> leftOut = FaultKind.leftOut(env);
        out.println(String.format(Locale.ROOT, "workload: %d messages over %d keys%s, duplicate-rate %s, "
                        + "poison-rate %s; faults: %s%s", settings.messages(), settings.keys(),
                settings.rounds() ? " a round, rounds for " + DurationText.of(settings.duration()) : "",
                settings.duplicateRate(), settings.poisonRate(), faults,
                leftOut.isEmpty() || settings.faults().size() + leftOut.size() < FaultKind.values().length ? ""
                        : " (not on this broker: " + String.join("; ", leftOut) + ")"));
        if (nodeKills != null) {
            out.println(String.format(Locale.ROOT, "node kills: %s, one a round, after %d%% of its publishes (the "
                            + "rest are published while it is down), down for %s, then started again",
                    String.join(" then ", nodeKills.kills()), Math.round(nodeKills.at() * 100),
                    DurationText.of(nodeKills.downFor())));
        }
        out.println();
        out.flush();
    }

    private VerifyReport report(GuaranteeCheck.Summary summary, Violations violations, ConsumerGenerations generations,
                                ObservedStore store, LostReplyIdempotencyStore lostReplies, ObservedAdapter adapter,
                                CountingMetrics metrics, String topic, Duration elapsed) {
        long originals = 0;
        long duplicatePublishes = 0;
        long confirmed = 0;
        long unconfirmed = 0;
        long poison = 0;
        long deadLettered = 0;
        for (RoundData r : driver.rounds()) {
            originals += r.plan().originals().size();
            duplicatePublishes += r.plan().duplicatePublishes();
            confirmed += r.outcome().confirmedPublishes - r.outcome().oversized.stream()
                    .filter(PublishOutcome.Oversized::confirmed).count();
            unconfirmed += r.outcome().failedPublishes;
            for (PublishPlan.Planned p : r.plan().originals()) {
                if (p.poison() && r.outcome().confirmedIds.contains(p.id())) {
                    poison++;
                    if (deadLetters.contains(p.id())) {
                        deadLettered++;
                    }
                }
            }
        }
        long deliveredCount = adapter.counters(topic).delivered();
        VerifyReport.Counts counts = new VerifyReport.Counts(driver.rounds().size(), driver.failedRounds(), originals,
                duplicatePublishes, confirmed, unconfirmed, ledger.distinctApplied(), store.duplicates(),
                Math.max(0, deliveredCount - confirmed), generations.crashes(), summary.windowRepeats(), poison,
                deadLettered, metrics.count(MetricEvent.RETRIED, topic), lostReplies.lostReplies());
        return new VerifyReport(settings, counts, driver.tally().rows(generations.disruptions(), summary, settings.dedup()),
                generations.disruptions(), summary.repeatsByCrash(), violations, notes, driver.outages(), elapsed);
    }

    /**
     * A duplicate effect of an id whose completion found its lease expired is the engine's doing,
     * not verify's: the id was never marked done, so a later delivery ran it again. Say so.
     */
    private void explainDuplicates(ObservedStore store) {
        if (store.lost() > 0) {
            notes.add(store.lost() + " completion(s) found their lease expired (LEASE_LOST): those ids were never "
                    + "marked done, so a later delivery of the same id runs the handler again");
        }
        Set<String> duplicated = ledger.duplicatedIds();
        Set<String> lost = store.lostIds();
        long explained = duplicated.stream().filter(lost::contains).count();
        if (explained > 0) {
            notes.add(explained + " of the " + duplicated.size() + " repeated id(s) are such ids (e.g. "
                    + duplicated.stream().filter(lost::contains).limit(3).toList() + ")");
        }
    }

    /** Long enough to catch every late duplicate of the run, short enough that Redis forgets soon after. */
    private Duration retention() {
        Duration atLeast = settings.timeout().multipliedBy(2).plus(settings.lease());
        if (settings.rounds()) {
            atLeast = atLeast.plus(settings.duration());
        }
        return atLeast.compareTo(MIN_RETENTION) > 0 ? atLeast : MIN_RETENTION;
    }


}
