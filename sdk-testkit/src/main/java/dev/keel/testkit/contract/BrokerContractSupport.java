package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.core.Keel;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.testkit.Crash;
import dev.keel.testkit.FaultInjectable;
import dev.keel.testkit.Faults;
import dev.keel.testkit.FaultyIdempotencyStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;

/**
 * The hooks and plumbing of {@link BrokerContractTest}: an adapter's test overrides the hooks;
 * the tests use the rest. Per test: unique topic and group names, one {@link FaultyIdempotencyStore}
 * shared by every Keel instance of the test, and everything created is closed afterwards (each Keel
 * before its adapter: Keel closes what it created, never the adapter it was given). Tests that
 * inject faults run only on adapters that are {@link FaultInjectable}, and are skipped on others.
 */
public abstract class BrokerContractSupport {

    /** The default bound of every wait: generous, for slow real brokers. */
    public static final Duration DEFAULT_PATIENCE = Duration.ofSeconds(60);
    /** Partitions (or lanes) of the topics the suite declares, unless {@link #topic(String)} says otherwise. */
    public static final int DEFAULT_PARTITIONS = 4;
    /**
     * What a share-group subscription does not have, whatever the adapter declares ({@link Capability#SHARED_CONSUMPTION}):
     * the tests needing one of these skip in share-group mode, naming it.
     */
    static final Set<Capability> RULED_OUT_BY_SHARE_GROUPS = Set.of(Capability.KEY_ORDERING, Capability.BROADCAST,
            Capability.NON_BLOCKING_RETRY, Capability.REPLAY);
    /** Keyed sentinels published to flush out what a group left unacknowledged (covers every partition). */
    static final int SENTINELS = 64;
    static final String SENTINEL_PREFIX = "sentinel-";

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final Map<Keel, BrokerAdapter> adapters = new IdentityHashMap<>();
    private Set<Capability> capabilities;

    /** This test's store (a {@link FaultyIdempotencyStore} over {@link #createStore()}). */
    protected FaultyIdempotencyStore store;
    /** The engine events of every Keel instance of this test. */
    CountingMetrics metrics;
    /**
     * This test's topic, consumer group, dead-letter topic (the adapter's default, known once the
     * first adapter of the test exists) and dead-letter reader group.
     */
    protected String topic;
    protected String group;
    protected String deadLetters;
    protected String deadLetterReader;

    // ---- hooks ---------------------------------------------------------------------------------

    /** A new adapter (a new client of the broker) per call; the suite closes what it creates. */
    protected abstract BrokerAdapter createAdapter();

    /** The store behind the suite's {@link FaultyIdempotencyStore}; one per test. */
    protected IdempotencyStore createStore() {
        return owner() != null ? owner().createStore() : new InMemoryIdempotencyStore();
    }

    /** How the suite declares a topic (partitions, replication); groups are added by the suite. */
    protected TopicSpec.Builder topic(String name) {
        return owner() != null ? owner().topic(name) : TopicSpec.builder(name).partitions(DEFAULT_PARTITIONS);
    }

    /** The bound of every wait. */
    protected Duration patience() {
        return owner() != null ? owner().patience() : DEFAULT_PATIENCE;
    }

    /**
     * Makes {@code subscription} behave as if its process died ({@link Crash#crash}), and waits
     * until its broker consumer has left the group.
     */
    protected void crash(Subscription subscription) {
        if (owner() != null) {
            owner().crash(subscription);
        } else {
            join(Crash.crash(subscription));
        }
    }

    /**
     * Whether the suite's subscriptions are share-group ones ({@code shareGroup(true)}, unordered): the adapter must
     * declare {@link Capability#SHARED_CONSUMPTION}, and the tests of what that mode rules out
     * ({@link #RULED_OUT_BY_SHARE_GROUPS}) skip, naming the capability. False by default.
     */
    protected boolean shareGroups() {
        return owner() != null && owner().shareGroups();
    }

    /** The entry point this area runs under, whose hooks it takes; null when subclassed on its own. */
    AdapterContract owner() {
        return null;
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    @BeforeEach
    final void setUpContract() {
        String base = "keel-ct-" + UUID.randomUUID().toString().substring(0, 8);
        topic = base;
        group = base + "-g";
        deadLetters = null;
        deadLetterReader = base + "-dlt-reader";
        store = new FaultyIdempotencyStore(createStore());
        metrics = new CountingMetrics();
        if (shareGroups()) {
            assumeCapability(Capability.SHARED_CONSUMPTION);
        }
    }

    @AfterEach
    final void tearDownContract() throws Exception {
        Exception failure = null;
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        store.up();
        store.close();
        if (failure != null) {
            throw failure;
        }
    }

    /** Closes {@code resource} after the test, before what was registered earlier. */
    final void cleanup(AutoCloseable resource) {
        resources.push(resource);
    }

    // ---- Keel, adapters, topology --------------------------------------------------------------

    final Keel newKeel() {
        return newKeel(PublisherConfig.ofDefaults());
    }

    final Keel newKeel(PublisherConfig publisherConfig) {
        BrokerAdapter adapter = createAdapter();
        if (capabilities == null) {
            capabilities = Set.copyOf(adapter.capabilities());
        }
        cleanup(adapter);
        if (deadLetters == null) {
            deadLetters = adapter.defaultDeadLetterTopic(topic);
        }
        Keel keel = Keel.builder(adapter).idempotencyStore(new SharedStore(store)).metrics(metrics)
                .publisherConfig(publisherConfig).build();
        synchronized (adapters) {
            adapters.put(keel, adapter);
        }
        cleanup(keel);
        return keel;
    }

    final BrokerAdapter newAdapter() {
        BrokerAdapter adapter = createAdapter();
        cleanup(adapter);
        if (deadLetters == null) {
            deadLetters = adapter.defaultDeadLetterTopic(topic);
        }
        return adapter;
    }

    /** The adapter behind {@code keel}. */
    final BrokerAdapter adapterOf(Keel keel) {
        synchronized (adapters) {
            return adapters.get(keel);
        }
    }

    /**
     * Declares the topic with the group. The dead-letter topic needs no declaring: the group's
     * subscription ensures it.
     */
    final void declare(Keel keel) {
        keel.ensureTopology(topic(topic).group(group).build());
    }

    final void assumeCapability(Capability capability) {
        if (capabilities == null) {
            try (BrokerAdapter probe = createAdapter()) {
                capabilities = Set.copyOf(probe.capabilities());
            }
        }
        Assumptions.assumeTrue(capabilities.contains(capability), "adapter lacks capability " + capability);
        Assumptions.assumeFalse(shareGroups() && RULED_OUT_BY_SHARE_GROUPS.contains(capability), "a share-group "
                + "subscription lacks capability " + capability + " (ruled out by " + Capability.SHARED_CONSUMPTION + ")");
    }

    final boolean has(Capability capability) {
        return capabilities.contains(capability) && !(shareGroups() && RULED_OUT_BY_SHARE_GROUPS.contains(capability));
    }

    /** {@code builder} in the suite's consumption mode: a share group (unordered) when {@link #shareGroups()}. */
    final <T> SubscriptionConfig.Builder<T> inMode(SubscriptionConfig.Builder<T> builder) {
        return shareGroups() ? builder.shareGroup(true).ordering(Ordering.UNORDERED) : builder;
    }

    /** The faults behind {@code keel}'s adapter; skips the test when the adapter is not {@link FaultInjectable}. */
    final Faults faultsOf(Keel keel) {
        BrokerAdapter adapter;
        synchronized (adapters) {
            adapter = adapters.get(keel);
        }
        Assumptions.assumeTrue(adapter instanceof FaultInjectable, "adapter " + adapter.getClass().getSimpleName()
                + " is not FaultInjectable (dev.keel.testkit.FaultInjectable): this test injects broker faults");
        return ((FaultInjectable) adapter).faults();
    }

    // ---- messages and subscriptions ------------------------------------------------------------

    /**
     * EFFECTIVELY_ONCE, PER_KEY over 8 lanes (a share group, unordered, when {@link #shareGroups()}), quick retries
     * and store retries, generous close.
     */
    final SubscriptionConfig.Builder<String> subscription() {
        return subscription(Codec.utf8());
    }

    /** {@link #subscription()} with another codec. */
    final <T> SubscriptionConfig.Builder<T> subscription(Codec<T> codec) {
        return subscription(group, codec);
    }

    /** {@link #subscription()} in another consumer group of the test's topic. */
    final SubscriptionConfig.Builder<String> subscriptionIn(String consumerGroup) {
        return subscription(consumerGroup, Codec.utf8());
    }

    private <T> SubscriptionConfig.Builder<T> subscription(String consumerGroup, Codec<T> codec) {
        return inMode(SubscriptionConfig.builder(topic, consumerGroup, codec)
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .ordering(Ordering.PER_KEY))
                .lanes(8)
                .maxInFlight(64)
                .retryPolicy(quickRetries(3))
                .idempotencyPolicy(IdempotencyPolicy.custom().storeRetryInterval(Duration.ofMillis(100)).build())
                .closeTimeout(patience())
                .revokeTimeout(Duration.ofSeconds(10));
    }

    static RetryPolicy quickRetries(int maxAttempts) {
        return RetryPolicy.custom().maxAttempts(maxAttempts).initialBackoff(Duration.ofMillis(20))
                .maxBackoff(Duration.ofMillis(200)).jitter(0.0).build();
    }

    /** A UTF-8 message whose payload is its id. */
    static Message message(String id, String key) {
        return Message.builder(id, Codec.utf8()).id(id).key(key).build();
    }

    static List<String> idsOf(List<Message> messages) {
        return messages.stream().map(Message::id).toList();
    }

    /** Publishes each message (pipelined) and waits for every confirmation. */
    final List<PublishReceipt> publishConfirmed(Keel keel, String toTopic, List<Message> messages) {
        List<CompletableFuture<PublishReceipt>> pending = new ArrayList<>();
        for (Message message : messages) {
            pending.add(keel.publisher().publishAsync(toTopic, message).toCompletableFuture());
        }
        List<PublishReceipt> receipts = new ArrayList<>();
        for (CompletableFuture<PublishReceipt> receipt : pending) {
            receipts.add(join(receipt));
        }
        return receipts;
    }

    final <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(patience().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("expected success, failed with " + unwrap(e), unwrap(e));
        } catch (TimeoutException e) {
            throw new AssertionError("not completed within " + patience(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The failure of an operation: thrown at once or failing its stage; an error if it succeeds. */
    final Throwable failureOf(Supplier<? extends CompletionStage<?>> operation) {
        CompletionStage<?> stage;
        try {
            stage = operation.get();
        } catch (KeelException e) {
            return e;
        }
        try {
            Object result = stage.toCompletableFuture().get(patience().toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected a failure, got " + result);
        } catch (ExecutionException e) {
            return unwrap(e);
        } catch (TimeoutException e) {
            throw new AssertionError("neither completed nor failed within " + patience(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    final void awaitUntil(String what, Callable<Boolean> condition) {
        await(what).atMost(patience()).pollInterval(Duration.ofMillis(50)).until(condition);
    }

    /** Waits until every id in {@code ids} was handled; on timeout the error lists the missing ones. */
    final void awaitHandled(Effects effects, Collection<String> ids) {
        await("every message handled").atMost(patience()).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(effects.missing(ids))
                        .as("ids never handled").isEmpty());
    }

    /**
     * Waits until {@code id} has no mark in the store namespace {@code <consumerGroup>:<topic>}: its
     * done mark expired. Looks with a claim of a millisecond's lease, which leaves nothing behind.
     */
    final void awaitNoMark(String consumerGroup, String id) {
        String namespace = consumerGroup + ":" + topic;
        awaitUntil("the mark of " + id + " in " + namespace + " expired", () -> store.claim(namespace, id,
                "probe-" + UUID.randomUUID(), Duration.ofMillis(1)).isClaimed());
    }

    /**
     * Publishes {@code id} with {@code key} and waits until each handler applied it: each consumer
     * group of the handlers has then taken everything published before it with that key.
     */
    final void flush(Keel keel, String id, String key, List<FixableHandler> handlers) {
        publishConfirmed(keel, topic, List.of(message(id, key)));
        for (FixableHandler handler : handlers) {
            awaitHandled(handler.effects, List.of(id));
        }
    }

    // ---- readers -------------------------------------------------------------------------------

    /**
     * Reads the dead-letter topic in a group of its own (below the engine, so the
     * {@code keel-dlt-*} headers show): start it once the subscription ensured that topic, before
     * anything is dead-lettered (on RabbitMQ a new group gets only later messages).
     */
    final RawReader readDeadLetters() {
        return read(deadLetters, deadLetterReader);
    }

    /** Reads {@code topic} as {@code readerGroup} below the engine, acknowledging everything. */
    final RawReader read(String fromTopic, String readerGroup) {
        RawReader reader = RawReader.start(newAdapter(), fromTopic, readerGroup);
        cleanup(reader);
        return reader;
    }

    /**
     * What the group left unacknowledged, once its subscriptions are closed: a raw reader joins the
     * group, {@value #SENTINELS} keyed sentinels (reaching every partition or lane) are published
     * behind whatever is left, and everything but the sentinels that arrives is returned.
     */
    final List<String> leftoversOf(Keel publisher) {
        RawReader reader = RawReader.start(newAdapter(), topic, group, shareGroups());
        cleanup(reader);
        List<Message> sentinels = new ArrayList<>();
        for (int i = 0; i < SENTINELS; i++) {
            sentinels.add(message(SENTINEL_PREFIX + i, SENTINEL_PREFIX + "key-" + i));
        }
        publishConfirmed(publisher, topic, sentinels);
        awaitUntil("every sentinel reached the leftover reader", () -> reader.ids().containsAll(idsOf(sentinels)));
        return reader.ids().stream().filter(id -> !id.startsWith(SENTINEL_PREFIX)).toList();
    }
}
