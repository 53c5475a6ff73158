package dev.keel.cli.verify;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.core.Keel;
import dev.keel.Message;
import dev.keel.PublishReceipt;
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
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.metrics.MetricEvent;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One verify run: declares a fresh topic, starts the consumer (with the crash injector; its
 * subscription ensures the dead-letter topic) and the dead-letter reader, publishes the plan with
 * confirmation, waits until every confirmed message is accounted for, checks the guarantees, and
 * deletes the run's topics whatever happened. See docs/cli.md.
 */
public final class VerifyRun {

    public static final String GROUP = "keel-verify";
    public static final String DLT_GROUP = "keel-verify-dlt";
    static final Duration SETTLE = Duration.ofMillis(500);
    static final Duration MIN_RETENTION = Duration.ofMinutes(10);
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    static final RetryPolicy POISON_RETRIES = RetryPolicy.custom().maxAttempts(3)
            .initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(10)).jitter(0.0).build();

    private final BrokerMode mode;
    private final BrokerOptions options;
    private final VerifySettings settings;
    private final Progress progress;
    private final Violations violations = new Violations();
    private final EffectLedger ledger = new EffectLedger(violations);
    private final List<String> notes = new ArrayList<>();

    public VerifyRun(BrokerMode mode, BrokerOptions options, VerifySettings settings, Progress progress) {
        this.mode = mode;
        this.options = options;
        this.settings = settings;
        this.progress = progress;
    }

    public VerifyReport run() {
        long started = System.nanoTime();
        String runId = "v" + Long.toString(System.currentTimeMillis(), 36) + Long.toString(Math.abs(settings.seed() % 1296), 36);
        String topic = "keel-verify-" + runId;
        PublishPlan plan = PublishPlan.create(runId, settings);
        mode.preflight(options);
        StoreChoice store = StoreChoice.from(options);
        DeadLetterCollector deadLetters = new DeadLetterCollector();
        CountingMetrics metrics = new CountingMetrics();
        ObservedAdapter adapter = new ObservedAdapter(mode.createAdapter(options));
        String deadLetterTopic = adapter.defaultDeadLetterTopic(topic);
        adapter.observe(deadLetterTopic, deadLetters::observeRaw);
        CrashInjector[] injector = new CrashInjector[1];
        ObservedStore observedStore = new ObservedStore(store.create(), id -> injector[0].settled(id));
        DeliveryGuarantee guarantee = settings.dedup() ? DeliveryGuarantee.EFFECTIVELY_ONCE
                : DeliveryGuarantee.AT_LEAST_ONCE;
        String setup = "broker " + mode.name() + " (" + mode.endpoint(options) + "), store " + store.description()
                + ", " + guarantee + (settings.dedup() ? "" : " (--unsafe-no-dedup: dedup off on purpose)")
                + ", PER_KEY, " + settings.lanes() + " lanes, topic " + topic;
        PublishOutcome outcome;
        int crashes;
        // deleted with their default dead-letter topics: <topic>.DLT, and that of the dead-letter reader
        List<String> scratch = List.of(topic, deadLetterTopic);
        try (adapter; observedStore;
             Keel keel = Keel.builder(adapter).idempotencyStore(observedStore).metrics(metrics).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(options.partitions()).group(GROUP).build());
            SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                    .guarantee(guarantee).ordering(Ordering.PER_KEY).lanes(settings.lanes())
                    .maxInFlight(Math.max(256, settings.lanes())).retryPolicy(POISON_RETRIES)
                    .idempotencyPolicy(IdempotencyPolicy.custom().lease(settings.lease()).retention(retention())
                            .storeRetryInterval(Duration.ofMillis(100)).build())
                    .closeTimeout(CLOSE_TIMEOUT).build();
            injector[0] = new CrashInjector(settings.seed(), settings.crashRate(), settings.maxCrashes(),
                    settings.dedup(), generation -> keel.subscribe(config, new VerifyHandler(generation, injector[0],
                    ledger)));
            try (CrashInjector crashInjector = injector[0]) {
                crashInjector.start(); // the subscription ensures the dead-letter topic, kept for its group
                Subscription dltSubscription = keel.subscribe(SubscriptionConfig.builder(deadLetterTopic, DLT_GROUP,
                        Codec.bytes()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.UNORDERED)
                        .lanes(2).retryPolicy(RetryPolicy.none()).closeTimeout(CLOSE_TIMEOUT).build(), deadLetters);
                outcome = publish(keel, topic, plan);
                awaitAccounted(plan, outcome, adapter, topic, deadLetters);
                crashInjector.quiesce();
                crashes = crashInjector.crashes();
                crashInjector.current().close(CLOSE_TIMEOUT);
                dltSubscription.close(CLOSE_TIMEOUT);
                if (crashInjector.notQuietCrashes() > 0) {
                    notes.add(crashInjector.notQuietCrashes() + " crash(es) went ahead before every applied effect "
                            + "was marked done: duplicates of those ids are the documented crash window");
                }
            }
        } finally {
            progress.finish();
            String cleanup = TopicCleanup.run(mode, options, scratch);
            if (cleanup != null) {
                notes.add(cleanup);
            }
        }
        check(plan, outcome, deadLetters);
        explainDuplicates(observedStore);
        long confirmedPublishes = outcome.confirmedPublishes;
        long delivered = adapter.counters(topic).delivered();
        return new VerifyReport(setup, settings, plan.originals().size(), plan.duplicatePublishes(),
                confirmedPublishes, plan.publishes().size() - confirmedPublishes, ledger.distinctApplied(),
                observedStore.duplicates(), Math.max(0, delivered - confirmedPublishes), crashes,
                plan.originals().stream().filter(p -> p.poison() && outcome.confirmedIds.contains(p.id())).count(),
                plan.originals().stream().filter(p -> p.poison() && deadLetters.contains(p.id())).count(),
                metrics.count(MetricEvent.RETRIED, topic), violations, notes,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** What the broker confirmed. */
    private static final class PublishOutcome {
        final Set<String> confirmedIds = ConcurrentHashMap.newKeySet();
        long confirmedPublishes;
        final List<String> failures = new ArrayList<>();
    }

    private PublishOutcome publish(Keel keel, String topic, PublishPlan plan) {
        progress.start("publish", plan.publishes().size());
        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>(plan.publishes().size());
        for (PublishPlan.Planned p : plan.publishes()) {
            Message message = Message.builder(p.payload(), Codec.utf8()).id(p.id()).key(p.key()).build();
            CompletableFuture<PublishReceipt> f = keel.publisher().publishAsync(topic, message).toCompletableFuture();
            f.whenComplete((r, e) -> progress.advance(1));
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
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (outcome.failures.size() < 3) {
                    outcome.failures.add(p.id() + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
                }
            }
        }
        progress.finish();
        if (!outcome.failures.isEmpty()) {
            notes.add((plan.publishes().size() - outcome.confirmedPublishes) + " publish(es) not confirmed, e.g. "
                    + String.join("; ", outcome.failures));
        }
        return outcome;
    }

    /**
     * Waits until every confirmed healthy message was applied, every confirmed poison message is in
     * the dead letters, every confirmed publish was acknowledged, and no delivery came for
     * {@link #SETTLE} (late redeliveries would show up there), or until the timeout.
     */
    private void awaitAccounted(PublishPlan plan, PublishOutcome outcome, ObservedAdapter adapter, String topic,
                                DeadLetterCollector deadLetters) {
        List<PublishPlan.Planned> expected = plan.originals().stream()
                .filter(p -> outcome.confirmedIds.contains(p.id())).toList();
        progress.start("consume", expected.size());
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        ObservedAdapter.TopicCounters counters = adapter.counters(topic);
        while (System.nanoTime() < deadline) {
            long accounted = expected.stream()
                    .filter(p -> p.poison() ? deadLetters.contains(p.id()) : ledger.applied(p.id())).count();
            progress.set(accounted);
            boolean quiet = System.nanoTime() - counters.lastDeliveryNanos() > SETTLE.toNanos();
            if (accounted == expected.size() && counters.acked() >= outcome.confirmedPublishes && quiet) {
                return;
            }
            pause();
        }
        notes.add("gave up waiting after " + settings.timeout().toSeconds() + " s (--timeout): what is missing is "
                + "reported as lost");
    }

    private void check(PublishPlan plan, PublishOutcome outcome, DeadLetterCollector deadLetters) {
        Set<String> poisonIds = new HashSet<>();
        for (PublishPlan.Planned p : plan.originals()) {
            if (p.poison()) {
                poisonIds.add(p.id());
            }
            if (!outcome.confirmedIds.contains(p.id())) {
                continue;
            }
            if (!p.poison() && !ledger.applied(p.id())) {
                violations.add(ViolationKind.LOST, p.id() + " (key " + p.key() + ", seq " + p.seq() + ") confirmed, "
                        + "never applied");
            }
            if (p.poison()) {
                DeadLetterCollector.DeadLetter dl = deadLetters.get(p.id());
                if (dl == null) {
                    violations.add(ViolationKind.DEAD_LETTER_MISSING, p.id() + " not in " + "the dead letters");
                } else if (!dl.hasCause() || !dl.causeMessage().contains(PoisonMessageException.MESSAGE_PREFIX)) {
                    violations.add(ViolationKind.DEAD_LETTER_WITHOUT_CAUSE, p.id() + ": cause class "
                            + dl.causeClass() + ", cause message " + dl.causeMessage());
                }
            }
        }
        deadLetters.all().keySet().stream().filter(id -> !poisonIds.contains(id)).sorted()
                .forEach(id -> violations.add(ViolationKind.UNEXPECTED_DEAD_LETTER, id + " is healthy, yet was "
                        + "dead-lettered (cause " + deadLetters.get(id).causeMessage() + ")"));
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
            notes.add(explained + " of the " + duplicated.size() + " duplicate effect(s) are such ids (e.g. "
                    + duplicated.stream().filter(lost::contains).limit(3).toList() + ")");
        }
    }

    /** Long enough to catch every late duplicate of the run, short enough that Redis forgets soon after. */
    private Duration retention() {
        Duration atLeast = settings.timeout().multipliedBy(2).plus(settings.lease());
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
