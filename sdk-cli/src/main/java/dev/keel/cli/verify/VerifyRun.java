package dev.keel.cli.verify;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublishReceipt;
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
import dev.keel.testkit.StoredRecord;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * One verify run: declares a fresh topic, starts the consumer (its generations, replaced by crashes
 * and dropped sessions; its subscription ensures the dead-letter topic) and the dead-letter reader,
 * then runs rounds: each publishes its plan with confirmation while its faults are injected, waits
 * until every confirmed message is accounted for, and checks the guarantees; one round, or rounds
 * until {@code --duration} is up. The guarantees are checked once more over every round at the end,
 * and the run's topics are deleted whatever happened. See docs/cli.md.
 */
public final class VerifyRun {

    public static final String GROUP = "keel-verify";
    public static final String DLT_GROUP = "keel-verify-dlt";
    static final Duration SETTLE = Duration.ofMillis(500);
    static final Duration MAX_SETTLE_WAIT = Duration.ofSeconds(10);
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
    private final Set<String> delivered = ConcurrentHashMap.newKeySet();
    private final FaultTally tally = new FaultTally();
    private final List<RoundData> rounds = new ArrayList<>();
    private final NodeKillSettings nodeKills;
    private final List<VerifyReport.OutageRow> outages = new ArrayList<>();
    private volatile PauseMeter deliveryPauses = PauseMeter.started();
    private volatile PauseMeter confirmPauses = PauseMeter.started();
    private long confirmedSoFar;
    private long failedRounds;

    /**
     * @param nodeKills the node each round kills and how ({@code --kill-node}); {@code null}: none
     * @param out       where the header and one line per round go as the run goes
     */
    public VerifyRun(BrokerMode mode, BrokerOptions options, VerifySettings settings, NodeKillSettings nodeKills,
                     Progress progress, PrintWriter out) {
        this.nodeKills = nodeKills;
        this.mode = mode;
        this.options = options;
        this.settings = settings;
        this.progress = progress;
        this.out = out;
    }

    public VerifyReport run() {
        long started = System.nanoTime();
        String runId = "v" + Long.toString(System.currentTimeMillis(), 36)
                + Long.toString(Math.abs(settings.seed() % 1296), 36);
        String topic = "keel-verify-" + runId;
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
        boolean ownConsumers = embedded == null && settings.faults().contains(FaultKind.CHANNEL_CLOSE);
        String setup = "broker " + mode.name() + " (" + mode.endpoint(options) + ")"
                + (ownConsumers ? ", each consumer through a proxy of its own on 127.0.0.1" : "") + ", store "
                + store.description() + (proxied ? " through a proxy on 127.0.0.1" : "") + ", " + guarantee
                + (settings.dedup() ? "" : " (--unsafe-no-dedup: dedup off on purpose)") + ", PER_KEY, "
                + settings.lanes() + " lanes, topic " + topic;
        printHeader(setup, env);
        ConsumerGenerations[] generationsRef = new ConsumerGenerations[1];
        ObservedAdapter adapter = new ObservedAdapter(raw);
        String deadLetterTopic = adapter.defaultDeadLetterTopic(topic);
        // deleted with their default dead-letter topics: <topic>.DLT, and that of the dead-letter reader
        List<String> scratch = List.of(topic, deadLetterTopic);
        adapter.observe(deadLetterTopic, deadLetters::observeRaw);
        adapter.observe(topic, r -> {
            delivered.add(r.id());
            deliveryPauses.mark();
        });
        ObservedStore observedStore;
        LostReplyIdempotencyStore lostReplies;
        try {
            try (adapter; FaultProxy proxy = proxied ? proxyTo(store) : null) {
                IdempotencyStore base = proxy != null ? store.createThrough(proxy.host(), proxy.port())
                        : store.create();
                SlowIdempotencyStore slow = new SlowIdempotencyStore(base);
                FaultyIdempotencyStore failing = new FaultyIdempotencyStore(slow);
                lostReplies = new LostReplyIdempotencyStore(failing);
                observedStore = new ObservedStore(lostReplies, id -> generationsRef[0].settled(id));
                try (observedStore; Keel keel = Keel.builder(adapter).idempotencyStore(observedStore).metrics(metrics)
                        .publisherConfig(PublisherConfig.custom().openDuration(BREAKER_OPEN).build()).build()) {
                    keel.ensureTopology(TopicSpec.builder(topic).partitions(options.partitions())
                            .replicationFactor(options.replicationFactor())
                            .minInSyncReplicas(options.minInSyncReplicas()).group(GROUP).build());
                    SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                            .guarantee(guarantee).ordering(Ordering.PER_KEY).lanes(settings.lanes())
                            .maxInFlight(Math.max(256, settings.lanes())).retryPolicy(POISON_RETRIES)
                            .idempotencyPolicy(IdempotencyPolicy.custom().lease(settings.lease())
                                    .retention(retention()).storeRetryInterval(Duration.ofMillis(100)).build())
                            .closeTimeout(CLOSE_TIMEOUT).build();
                    generationsRef[0] = new ConsumerGenerations(generation -> {
                        VerifyHandler handler = new VerifyHandler(generation, generationsRef[0], ledger, handled);
                        return ownConsumers
                                ? ownConsumer(generation, config, handler, adapter, observedStore, metrics)
                                : ConsumerGenerations.Generation.of(keel.subscribe(config, handler));
                    }, settings.dedup(), this::inFlightNow);
                    try (ConsumerGenerations generations = generationsRef[0]) {
                        generations.start(); // the subscription ensures the dead-letter topic, kept for its group
                        Subscription dltSubscription = keel.subscribe(SubscriptionConfig.builder(deadLetterTopic,
                                DLT_GROUP, Codec.bytes()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                                .ordering(Ordering.UNORDERED).lanes(2).retryPolicy(RetryPolicy.none())
                                .closeTimeout(CLOSE_TIMEOUT).build(), deadLetters);
                        FaultSwitches switches = new FaultSwitches(slow, failing, lostReplies, proxy,
                                embedded != null ? embedded.faults() : null, topic, GROUP, deadLetterTopic,
                                generations);
                        if (settings.faults().contains(FaultKind.OVERSIZED)) {
                            switches.limitRecordSize();
                        }
                        Context context = new Context(keel, topic, adapter, generations, switches, env, limits,
                                embedded, observedStore);
                        long deadline = settings.rounds() ? started + settings.duration().toNanos() : started;
                        for (int n = 1; ; n++) {
                            round(n, runId, context);
                            if (!settings.rounds() || System.nanoTime() >= deadline) {
                                break;
                            }
                        }
                        generations.closeAll(CLOSE_TIMEOUT);
                        dltSubscription.close(CLOSE_TIMEOUT);
                    }
                }
            }
        } finally {
            progress.finish();
            String cleanup = TopicCleanup.run(mode, options, scratch);
            if (cleanup != null) {
                notes.add(cleanup);
            }
        }
        Violations violations = new Violations();
        GuaranteeCheck.Summary summary = new GuaranteeCheck(ledger, deadLetters, generationsRef[0].disruptions(),
                brokerOrder(embedded, topic), observedStore.lostIds()).check(rounds, violations);
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

    /** What every round works with. */
    private record Context(Keel keel, String topic, ObservedAdapter adapter, ConsumerGenerations generations,
                           FaultSwitches switches, FaultEnvironment env, SizeLimits limits, InMemoryBroker embedded,
                           ObservedStore store) {
    }

    private void round(int n, String runId, Context c) {
        Keel keel = c.keel();
        String topic = c.topic();
        ConsumerGenerations generations = c.generations();
        FaultSwitches switches = c.switches();
        long roundStart = System.nanoTime();
        String idPrefix = settings.rounds() ? runId + "-" + n + "-" : runId + "-";
        String keyPrefix = settings.rounds() ? "r" + n + "k" : "k";
        long publishSeed = settings.rounds() ? FaultPlan.mix(~settings.seed(), n) : settings.seed();
        PublishPlan plan = PublishPlan.create(idPrefix, keyPrefix, publishSeed, settings);
        FaultPlan faults = FaultPlan.create(settings.seed(), n, settings.faults(), !settings.rounds(), plan, settings,
                c.env(), c.limits());
        long handledAtStart = handled.sum();
        long lostRepliesAtStart = switches.lostReplies();
        generations.arm(n, faults.of(FaultKind.CRASH));
        NodeKiller killer = nodeKills != null ? new NodeKiller(nodeKills.nodeOfRound(n), nodeKills, roundStart) : null;
        confirmPauses = PauseMeter.started();
        deliveryPauses = PauseMeter.started();
        NodeOutage outage = null;
        FaultDriver driver = new FaultDriver(faults.faults(), switches, () -> handled.sum() - handledAtStart,
                () -> generations.updateRecovery(this::accounted));
        driver.start();
        PublishOutcome outcome;
        Map<FaultPlan.Fault, FaultDriver.Run> runs;
        boolean timedOut;
        try {
            outcome = publish(keel, topic, plan, faults.of(FaultKind.OVERSIZED), idPrefix, keyPrefix, killer);
            timedOut = !awaitAccounted(plan, outcome, c.adapter(), topic);
        } finally {
            if (killer != null) {
                outage = killer.finish();
            }
            runs = driver.finish();
            generations.disarm();
        }
        generations.quiesce();
        awaitQuiet(c.adapter().counters(topic));
        generations.closeZombies(CLOSE_TIMEOUT);
        generations.updateRecovery(this::accounted);
        boolean brokerCut = runs.entrySet().stream().anyMatch(e -> e.getValue().started()
                && e.getKey().kind() == FaultKind.NETWORK_CUT && FaultPlan.CUT_BROKER.equals(e.getKey().flavor()));
        RoundData data = new RoundData(n, idPrefix, keyPrefix, plan, faults, outcome, brokerCut);
        rounds.add(data);
        Violations violations = new Violations();
        List<ConsumerDisruption> disruptions = generations.disruptions().stream().filter(d -> d.round() == n).toList();
        GuaranteeCheck.Summary summary = new GuaranteeCheck(ledger, deadLetters, generations.disruptions(),
                brokerOrder(c.embedded(), topic), c.store().lostIds()).check(List.of(data), violations);
        long lostRepliesInRound = switches.lostReplies() - lostRepliesAtStart;
        tally.add(faults, runs, generations, outcome, brokerCut, lostRepliesInRound);
        if (violations.total() > 0) {
            failedRounds++;
        }
        if (timedOut) {
            notes.add("round " + n + ": gave up waiting after " + settings.timeout().toSeconds() + " s (--timeout): "
                    + "what is missing is reported as lost");
        }
        if (outcome.failedPublishes > 0) {
            notes.add("round " + n + ": " + outcome.failedPublishes + " publish(es) not confirmed (not promised, not "
                    + "checked), e.g. " + outcome.failures.entrySet().stream().limit(2)
                    .map(e -> e.getKey() + ": " + GuaranteeCheck.describe(e.getValue()))
                    .collect(Collectors.joining("; ")));
        }
        progress.finish();
        out.println(RoundLine.of(data, runs, generations, disruptions, summary, violations, lostRepliesInRound,
                Duration.ofNanos(System.nanoTime() - roundStart)));
        if (outage != null) {
            VerifyReport.OutageRow row = new VerifyReport.OutageRow(n, outage, confirmPauses.longest(),
                    deliveryPauses.longest(), outcome.failedPublishes);
            outages.add(row);
            out.println("  " + outageLine(row));
        }
        out.flush();
    }

    /** The round line's addition: which node went down when, and how long the stream paused. */
    private static String outageLine(VerifyReport.OutageRow row) {
        NodeOutage o = row.outage();
        if (!o.killed()) {
            return "node " + o.node() + " not killed: " + String.join("; ", o.problems());
        }
        return "node " + o.node() + " killed " + DurationText.seconds(o.killedAfter()) + " into the round, "
                + (o.start() == null ? "not started again" : o.start().succeeded() ? "started again after "
                + DurationText.seconds(o.downFor()) + " down (start took " + DurationText.seconds(o.start().took())
                + ")" : "its start failed") + "; longest pause " + DurationText.seconds(row.confirmPause())
                + " between confirmations, " + DurationText.seconds(row.deliveryPause()) + " between deliveries; "
                + row.unconfirmed() + " publish(es) not confirmed";
    }

    private PublishOutcome publish(Keel keel, String topic, PublishPlan plan, List<FaultPlan.Fault> oversized,
                                   String idPrefix, String keyPrefix, NodeKiller killer) {
        progress.start("publish", plan.publishes().size());
        Map<Integer, List<FaultPlan.Fault>> oversizedAt = oversized.stream()
                .collect(Collectors.groupingBy(FaultPlan.Fault::at));
        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>(plan.publishes().size());
        List<CompletableFuture<PublishReceipt>> oversizedFutures = new ArrayList<>();
        List<Message> oversizedMessages = new ArrayList<>();
        List<FaultPlan.Fault> oversizedFaults = new ArrayList<>();
        int killAt = killer == null ? -1 : (int) Math.floor(plan.publishes().size() * nodeKills.at());
        for (int i = 0; i < plan.publishes().size(); i++) {
            if (i == killAt) {
                killer.trigger();
                killer.awaitKilled();
            }
            for (FaultPlan.Fault f : oversizedAt.getOrDefault(i, List.of())) {
                Message m = oversizedMessage(f, oversizedMessages.size(), idPrefix, keyPrefix);
                oversizedMessages.add(m);
                oversizedFaults.add(f);
                oversizedFutures.add(publishAsync(keel, topic, m));
            }
            PublishPlan.Planned p = plan.publishes().get(i);
            Message message = Message.builder(p.payload(), Codec.utf8()).id(p.id()).key(p.key()).build();
            CompletableFuture<PublishReceipt> f = publishAsync(keel, topic, message);
            f.whenComplete((r, e) -> {
                progress.advance(1);
                if (e == null) {
                    confirmPauses.mark();
                }
            });
            futures.add(f);
        }
        PublishOutcome outcome = new PublishOutcome();
        for (int i = 0; i < futures.size(); i++) {
            PublishPlan.Planned p = plan.publishes().get(i);
            try {
                futures.get(i).join();
                outcome.confirmedIds.add(p.id());
                outcome.confirmedPublishes++;
            } catch (RuntimeException e) {
                outcome.failedPublishes++;
                outcome.failures.putIfAbsent(p.id(), e.getCause() != null ? e.getCause() : e);
            }
        }
        for (int i = 0; i < oversizedFutures.size(); i++) {
            FaultPlan.Fault f = oversizedFaults.get(i);
            String id = oversizedMessages.get(i).id();
            try {
                oversizedFutures.get(i).join();
                outcome.oversized.add(new PublishOutcome.Oversized(f, id, null));
                outcome.confirmedIds.add(id);
                outcome.confirmedPublishes++;
            } catch (RuntimeException e) {
                outcome.oversized.add(new PublishOutcome.Oversized(f, id, e.getCause() != null ? e.getCause() : e));
            }
        }
        confirmedSoFar += outcome.confirmedPublishes;
        progress.finish();
        return outcome;
    }

    private static CompletableFuture<PublishReceipt> publishAsync(Keel keel, String topic, Message message) {
        try {
            return keel.publisher().publishAsync(topic, message).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A message whose id, header or payload is larger than the broker takes. */
    private static Message oversizedMessage(FaultPlan.Fault f, int n, String idPrefix, String keyPrefix) {
        String id = idPrefix + "o" + n;
        if ("id".equals(f.flavor())) {
            id = id + "-" + "x".repeat(Math.max(0, f.amount() - id.length() - 1));
        }
        PublishPlan.Planned planned = new PublishPlan.Planned(id, keyPrefix + "-big", n, false, false);
        String payload = "payload".equals(f.flavor()) ? planned.payload() + "|" + "x".repeat(f.amount())
                : planned.payload();
        Message.Builder b = Message.builder(payload, Codec.utf8()).id(id).key(planned.key());
        if ("header".equals(f.flavor())) {
            b.header(OVERSIZED_HEADER, "x".repeat(f.amount()));
        }
        return b.build();
    }

    /**
     * Waits until every confirmed healthy message of the round was applied, every confirmed poison
     * message is in the dead letters, every confirmed publish so far was acknowledged, and no
     * delivery came for {@link #SETTLE} (late redeliveries would show up there); false at the timeout.
     */
    private boolean awaitAccounted(PublishPlan plan, PublishOutcome outcome, ObservedAdapter adapter, String topic) {
        List<PublishPlan.Planned> expected = plan.originals().stream()
                .filter(p -> outcome.confirmedIds.contains(p.id())).toList();
        progress.start("consume", expected.size());
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        ObservedAdapter.TopicCounters counters = adapter.counters(topic);
        while (System.nanoTime() < deadline) {
            long accounted = expected.stream().filter(p -> accounted(p.id())).count();
            progress.set(accounted);
            boolean quiet = System.nanoTime() - counters.lastDeliveryNanos() > SETTLE.toNanos();
            if (accounted == expected.size() && counters.acked() >= confirmedSoFar && quiet) {
                return true;
            }
            pause();
        }
        return false;
    }

    /** After a round's faults stopped: until no delivery came for {@link #SETTLE}, {@link #MAX_SETTLE_WAIT} at most. */
    private static void awaitQuiet(ObservedAdapter.TopicCounters counters) {
        long deadline = System.nanoTime() + MAX_SETTLE_WAIT.toNanos();
        while (System.nanoTime() - counters.lastDeliveryNanos() <= SETTLE.toNanos() && System.nanoTime() < deadline) {
            pause();
        }
    }

    private boolean accounted(String id) {
        return ledger.applied(id) || deadLetters.contains(id);
    }

    /** The messages delivered and not accounted for yet: a crashed consumer's in-flight ones. */
    private Set<String> inFlightNow() {
        return delivered.stream().filter(id -> !accounted(id)).collect(Collectors.toSet());
    }

    /**
     * On the embedded broker, the order of each key's messages as the broker stored them (a publish
     * retried after a cut may land after a later one); elsewhere unknown (-1): the publish order.
     */
    private static ToIntFunction<String> brokerOrder(InMemoryBroker embedded, String topic) {
        if (embedded == null) {
            return id -> -1;
        }
        Map<String, Integer> order = new HashMap<>();
        Map<String, Integer> nextByKey = new HashMap<>();
        for (StoredRecord r : embedded.records(topic)) {
            if (!order.containsKey(r.id())) {
                order.put(r.id(), nextByKey.merge(String.valueOf(r.key()), 1, Integer::sum));
            }
        }
        return id -> order.getOrDefault(id, -1);
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
        for (RoundData r : rounds) {
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
        VerifyReport.Counts counts = new VerifyReport.Counts(rounds.size(), failedRounds, originals,
                duplicatePublishes, confirmed, unconfirmed, ledger.distinctApplied(), store.duplicates(),
                Math.max(0, deliveredCount - confirmed), generations.crashes(), summary.windowRepeats(), poison,
                deadLettered, metrics.count(MetricEvent.RETRIED, topic), lostReplies.lostReplies());
        return new VerifyReport(settings, counts, tally.rows(generations.disruptions(), summary, settings.dedup()),
                generations.disruptions(), summary.repeatsByCrash(), violations, notes, outages, elapsed);
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

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for deliveries", e);
        }
    }
}
