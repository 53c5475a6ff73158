package dev.keel.cli.verify;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.cli.bench.Progress;
import dev.keel.cli.broker.ObservedAdapter;
import dev.keel.core.Keel;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * verify's round driver: each round publishes its plan with confirmation while its faults are injected (and a
 * node is killed, with {@code --kill-nodes}), waits until every confirmed message is accounted for (applied or
 * dead-lettered, and acknowledged), checks the round's guarantees and prints its line. What the rounds found
 * ({@link #rounds()}, {@link #tally()}, {@link #outages()}, {@link #failedRounds()}) goes into the run's report,
 * which {@link VerifyRun} assembles.
 */
final class VerifyRounds {

    /** No delivery for this long: the round has settled (late redeliveries would have shown up). */
    static final Duration SETTLE = Duration.ofMillis(500);
    static final Duration MAX_SETTLE_WAIT = Duration.ofSeconds(10);

    private final VerifySettings settings;
    private final NodeKillSettings nodeKills;
    private final Progress progress;
    private final PrintWriter out;
    private final EffectLedger ledger;
    private final DeadLetterCollector deadLetters;
    private final List<String> notes;
    private final LongAdder handled;
    private final Set<String> delivered;
    private final FaultTally tally = new FaultTally();
    private final List<RoundData> rounds = new ArrayList<>();
    private final List<VerifyReport.OutageRow> outages = new ArrayList<>();
    private volatile PauseMeter deliveryPauses = PauseMeter.started();
    private volatile PauseMeter confirmPauses = PauseMeter.started();
    private long confirmedSoFar;
    private long failedRounds;
    private boolean perKeyOrder = true;
    private volatile BooleanSupplier stopped = () -> false;

    VerifyRounds(VerifySettings settings, NodeKillSettings nodeKills, Progress progress, PrintWriter out,
                 EffectLedger ledger, DeadLetterCollector deadLetters, List<String> notes, LongAdder handled,
                 Set<String> delivered) {
        this.settings = settings;
        this.nodeKills = nodeKills;
        this.progress = progress;
        this.out = out;
        this.ledger = ledger;
        this.deadLetters = deadLetters;
        this.notes = notes;
        this.handled = handled;
        this.delivered = delivered;
    }

    /** Whether each round checks per-key order (true by default; a share group keeps none). */
    void checkPerKeyOrder(boolean check) {
        perKeyOrder = check;
    }

    /** A delivery of the run's topic came (for the longest pause between deliveries). */
    void delivered(String id) {
        delivered.add(id);
        deliveryPauses.mark();
    }

    List<RoundData> rounds() {
        return rounds;
    }

    FaultTally tally() {
        return tally;
    }

    List<VerifyReport.OutageRow> outages() {
        return outages;
    }

    long failedRounds() {
        return failedRounds;
    }

    /** What every round works with. */
    record Context(Keel keel, String topic, ObservedAdapter adapter, ConsumerGenerations generations,
                           FaultSwitches switches, FaultEnvironment env, SizeLimits limits, InMemoryBroker embedded,
                           ObservedStore store) {
    }

    /** Runs round {@code n}: publishes its plan under its faults, waits until it is accounted for, checks it. */
    void round(int n, String runId, Context c) {
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
        generations.closeZombies(VerifyRun.CLOSE_TIMEOUT);
        generations.updateRecovery(this::accounted);
        boolean brokerCut = runs.entrySet().stream().anyMatch(e -> e.getValue().started()
                && e.getKey().kind() == FaultKind.NETWORK_CUT && FaultPlan.CUT_BROKER.equals(e.getKey().flavor()));
        RoundData data = new RoundData(n, idPrefix, keyPrefix, plan, faults, outcome, brokerCut);
        rounds.add(data);
        Violations violations = new Violations();
        List<ConsumerDisruption> disruptions = generations.disruptions().stream().filter(d -> d.round() == n).toList();
        GuaranteeCheck.Summary summary = new GuaranteeCheck(ledger, deadLetters, generations.disruptions(),
                brokerOrder(c.embedded(), topic), c.store().lostIds(), perKeyOrder).check(List.of(data), violations);
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
            b.header(VerifyRun.OVERSIZED_HEADER, "x".repeat(f.amount()));
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
    private void awaitQuiet(ObservedAdapter.TopicCounters counters) {
        long deadline = System.nanoTime() + MAX_SETTLE_WAIT.toNanos();
        while (System.nanoTime() - counters.lastDeliveryNanos() <= SETTLE.toNanos() && System.nanoTime() < deadline) {
            pause();
        }
    }

    private boolean accounted(String id) {
        return ledger.applied(id) || deadLetters.contains(id);
    }

    /** The messages delivered and not accounted for yet: a crashed consumer's in-flight ones. */
    Set<String> inFlightNow() {
        return delivered.stream().filter(id -> !accounted(id)).collect(Collectors.toSet());
    }

    /**
     * On the embedded broker, the order of each key's messages as the broker stored them (a publish
     * retried after a cut may land after a later one); elsewhere unknown (-1): the publish order.
     */
    static ToIntFunction<String> brokerOrder(InMemoryBroker embedded, String topic) {
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

    /**
     * Stops the run: {@link #pause()} and {@link #checkStop()} throw once it says so (a stop by a signal sets it, whose
     * interrupt a client may swallow: a RabbitMQ run went on with its rounds for the whole minute a stop waits).
     */
    void stopWhen(BooleanSupplier stopped) {
        this.stopped = stopped;
    }

    /** Throws when the run was asked to stop. */
    void checkStop() {
        if (stopped.getAsBoolean()) {
            throw new IllegalStateException("the run was stopped");
        }
    }

    private void pause() {
        checkStop();
        try {
            TimeUnit.MILLISECONDS.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for deliveries", e);
        }
    }}
