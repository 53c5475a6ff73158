package dev.keel.core.internal;

import dev.keel.ClosedException;
import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.PublisherState;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.internal.chain.Delays;
import dev.keel.core.internal.chain.EngineContext;
import dev.keel.core.internal.chain.Sends;
import dev.keel.core.internal.chain.Step;
import dev.keel.core.internal.chain.StepContext;
import dev.keel.core.internal.claims.Claiming;
import dev.keel.core.internal.claims.Claims;
import dev.keel.core.internal.claims.StoreOutageReports;
import dev.keel.core.internal.consume.Chains;
import dev.keel.core.internal.consume.EngineSubscription;
import dev.keel.core.internal.consume.HandlerThreads;
import dev.keel.core.internal.consume.FlowControl;
import dev.keel.core.internal.consume.RetryingSubscription;
import dev.keel.core.internal.deadletters.DefaultDeadLetters;
import dev.keel.core.internal.publish.DefaultPublisher;
import dev.keel.core.internal.util.ExtensionFailures;
import dev.keel.deadletter.DeadLetters;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.retry.RetryMode;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.support.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the publish and consume pipelines for one {@link dev.keel.core.Keel}, and closes what it
 * created: its subscriptions, its publisher, its own scheduler and a store it was told it owns.
 * Never the adapter.
 */
public final class Engine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private static final int STORE_THREADS = 4;

    private final BrokerAdapter adapter;
    /** Null when Keel was built without a store. */
    private final IdempotencyStore store;
    private final boolean ownsStore;
    /** The clock, scheduler and (guarded) metrics every part of this engine shares. */
    private final EngineContext context;
    private final PublisherConfig publisherConfig;
    private final boolean ownsScheduler;
    private final Supplier<BrokerProducer> producer;
    private final List<EngineSubscription> subscriptions = new CopyOnWriteArrayList<>();
    private final SubscriptionGauges gauges;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Completes once the first {@link #close()} finished. */
    private final CompletableFuture<Void> closeFinished = new CompletableFuture<>();
    private DefaultPublisher publisher;
    private final String instanceId;
    /** Failures of the application's extensions (metrics recorder, interceptors, re-drive listeners). */
    private final ExtensionFailures extensionFailures = new ExtensionFailures();
    /** Warns about a subscription that consumes the dead letters its group keeps. */
    private final DeadLetterGroups deadLetterGroups = new DeadLetterGroups();

    /**
     * @param store      null when no subscription may use EFFECTIVELY_ONCE
     * @param ownsStore  whether {@link #close()} closes {@code store} (Keel created it)
     * @param metrics    the application's recorder; the engine guards each call ({@link GuardedMetrics})
     * @param scheduler  null: the engine creates (and shuts down) its own
     * @param instanceId this instance's id, for broadcast subscriptions
     */
    public Engine(BrokerAdapter adapter, IdempotencyStore store, boolean ownsStore, Clock clock,
                  MetricsRecorder metrics, PublisherConfig publisherConfig, ScheduledExecutorService scheduler,
                  String instanceId) {
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        this.store = store;
        this.ownsStore = ownsStore && store != null;
        this.context = new EngineContext(clock, scheduler != null ? scheduler : newScheduler(),
                GuardedMetrics.of(Objects.requireNonNull(metrics, "metrics"), extensionFailures));
        this.gauges = new SubscriptionGauges(context.metrics());
        this.publisherConfig = Objects.requireNonNull(publisherConfig, "publisherConfig");
        this.ownsScheduler = scheduler == null;
        this.producer = adapter::producer;
    }

    private static ScheduledExecutorService newScheduler() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("keel-scheduler"));
        s.setRemoveOnCancelPolicy(true);
        return s;
    }

    public BrokerAdapter adapter() {
        return adapter;
    }

    /** This instance's id (broadcast subscriptions). */
    public String instanceId() {
        return instanceId;
    }

    /** The store this engine claims in; null when built without one. */
    public IdempotencyStore store() {
        return store;
    }

    /** The dead letters {@code group} keeps for {@code topic} on {@code deadLetterTopic}; read with the given waits. */
    public DeadLetters deadLetters(String topic, String group, String deadLetterTopic, Duration firstWait,
                                   Duration quiet) {
        deadLetterGroups.listing(deadLetterTopic, group);
        return new DefaultDeadLetters(adapter, topic, group, deadLetterTopic, context.clock(), publisherConfig.timeout(),
                firstWait, quiet, extensionFailures);
    }

    /** Where failures of the application's extensions are counted and logged. */
    public ExtensionFailures extensionFailures() {
        return extensionFailures;
    }

    public synchronized Publisher publisher() {
        if (closed.get()) {
            throw new ClosedException("Keel is closed");
        }
        if (publisher == null) {
            publisher = new DefaultPublisher("keel-publisher", producer, publisherConfig, context.scheduler(), context.clock(),
                    context.metrics(),
                    adapter.capabilities().contains(Capability.DELAYED_DELIVERY));
        }
        return publisher;
    }

    /** The shared publisher's state; ACCEPTING before its first use, CLOSED once the engine is closed. */
    public synchronized PublisherState publisherState() {
        if (closed.get()) {
            return PublisherState.CLOSED;
        }
        return publisher == null ? PublisherState.ACCEPTING : publisher.state();
    }

    /**
     * The subscriptions started here and not closed yet (closing ones included, and failed ones until the
     * application closes them or subscribes again to their topic and group).
     */
    public List<Subscription> subscriptions() {
        return subscriptions.stream().filter(s -> s.state() != Subscription.State.CLOSED && !s.isDismissed())
                .map(Subscription.class::cast).toList();
    }

    public <T> Subscription subscribe(SubscriptionConfig<T> config, MessageHandler<T> handler) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(handler, "handler");
        if (closed.get()) {
            throw new ClosedException("Keel is closed");
        }
        if (config.guarantee() == DeliveryGuarantee.EFFECTIVELY_ONCE && store == null) {
            throw new IllegalStateException("EFFECTIVELY_ONCE subscription to '" + config.topic() + "' for group '"
                    + config.group() + "' on a Keel built withoutIdempotencyStore(): build Keel with "
                    + ".idempotencyStore(...), or subscribe with another DeliveryGuarantee");
        }
        Broadcasts.checkShareGroup(adapter, config);
        // null under DeadLetterPolicy.none(): no dead-letter topic is ensured or published to
        String deadLetterTopic = !config.deadLetterPolicy().isEnabled() ? null
                : config.deadLetterPolicy().destinationFor(config.topic())
                        .orElseGet(() -> adapter.defaultDeadLetterTopic(config.topic()));
        deadLetterGroups.subscribed(config.topic(), config.group(), deadLetterTopic,
                config.broadcast() || config.shareGroup());
        if (config.retryMode() == RetryMode.NON_BLOCKING) {
            String retryTopic = RetryTopics.declare(adapter, config);
            EngineSubscription origin = start(config, config.topic(), deadLetterTopic, retryTopic, handler);
            try {
                return new RetryingSubscription(origin, start(RetryTopics.consuming(config, retryTopic), config.topic(),
                        deadLetterTopic, retryTopic, handler));
            } catch (RuntimeException | Error e) {
                origin.close();
                throw e;
            }
        }
        return start(config, config.topic(), deadLetterTopic, null, handler);
    }

    /**
     * Starts one engine subscription consuming {@code config}'s topic. {@code namespaceTopic}: the
     * topic of its idempotency namespace (the origin topic also when it consumes the retry topic);
     * {@code retryTopic}: null unless its retries are non-blocking.
     */
    private <T> EngineSubscription start(SubscriptionConfig<T> config, String namespaceTopic, String deadLetterTopic,
                                         String retryTopic, MessageHandler<T> handler) {
        String name = "keel-" + config.group() + "-" + config.topic();
        String namespace = config.broadcast() ? Broadcasts.namespace(config, instanceId)
                : Claims.namespaceOf(config.group(), namespaceTopic);
        if (config.guarantee() == DeliveryGuarantee.EFFECTIVELY_ONCE) {
            Claims.checkNamespaces(store, namespace); // a namespace the store can never hold fails here, not later
        }
        HandlerThreads handlerThreads = new HandlerThreads(DaemonThreads.named(name + "-handler"));
        // as many threads as lanes: what runs holding no lane (a BUSY message's continuation once claimed, a parked
        // message's re-attempt) keeps within the lane count this way (BusyClaimWaitTest)
        ExecutorService handlerPool = Executors.newFixedThreadPool(config.lanes(), handlerThreads);
        Optional<String> broadcastInstance = Broadcasts.check(adapter, config, instanceId);
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(config.topic(), config.group(),
                config.maxInFlight(), config.revokeTimeout(), Optional.ofNullable(deadLetterTopic), config.filter(),
                broadcastInstance, config.shareGroup()));
        FlowControl flow = new FlowControl(consumer, config.maxInFlight(), config.maxInFlightBytes());
        Claims claims = config.guarantee() != DeliveryGuarantee.EFFECTIVELY_ONCE ? null
                : new Claims(store, config.topic(), config.group(), namespace, config.idempotencyPolicy(),
                        Executors.newFixedThreadPool(STORE_THREADS, DaemonThreads.named(name + "-store")), flow,
                        context.metrics(), context.clock());
        Delays delays = new Delays(context.scheduler(), handlerPool);
        EngineSubscription[] self = new EngineSubscription[1];
        StepContext steps = new StepContext(config.group(), context, delays, () -> self[0].isStopped());
        Step chain = Chains.build(config, handler, new Chains.Destinations(Optional.ofNullable(deadLetterTopic),
                Optional.ofNullable(retryTopic), broadcastInstance,
                config.topic().equals(retryTopic) ? Optional.of(namespaceTopic) : Optional.empty()), claims,
                new Sends(producer, delays, publisherConfig.timeout()),
                claims != null ? claims.outages()
                        : new StoreOutageReports(config.topic(), config.group(), flow, context.metrics()), steps);
        EngineSubscription subscription = new EngineSubscription(config, consumer, flow,
                claims != null ? claims : Claiming.NONE, chain, handlerPool, handlerThreads, context);
        self[0] = subscription;
        subscriptions.add(subscription);
        subscription.start();
        try {
            consumer.start(subscription);
        } catch (RuntimeException | Error e) {
            // a consumer that cannot start (a cluster without share groups, a refused group setting): nothing stays
            subscriptions.remove(subscription);
            subscription.close(Duration.ZERO);
            throw e;
        }
        gauges.follow(subscription);
        replaced(subscription);
        return subscription;
    }

    /**
     * The application subscribed again to {@code subscription}'s topic and group ("subscribe again to
     * resume"): a failed subscription of them is dismissed, and stopped ones are no longer kept.
     */
    private void replaced(EngineSubscription subscription) {
        for (EngineSubscription s : subscriptions) {
            if (s != subscription && s.topic().equals(subscription.topic()) && s.group().equals(subscription.group())) {
                s.dismiss();
            }
        }
        subscriptions.removeIf(s -> (s.state() == Subscription.State.CLOSED || s.isDismissed())
                && s.stopped().toCompletableFuture().isDone());
    }

    /**
     * Closes the subscriptions (each drains for up to its close timeout), then the shared publisher and what the
     * engine owns. A close while another is under way waits for that one to finish: whoever closed Keel may close
     * the store and the adapter next, and must not close them under a drain.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            if (!calledFromAHandler()) {
                awaitClosed();
            }
            return;
        }
        if (calledFromAHandler()) {
            LOG.info("Keel is closed by a handler of one of its subscriptions: close() returns at once (the handler "
                    + "cannot wait for itself), and the close goes on, that handler's message acknowledged once it "
                    + "returned");
            Thread closer = new Thread(this::closeNow, "keel-close");
            closer.start();
            return;
        }
        closeNow();
    }

    private void closeNow() {
        try {
            drainAndRelease();
        } finally {
            closeFinished.complete(null);
        }
    }

    private boolean calledFromAHandler() {
        return subscriptions.stream().anyMatch(EngineSubscription::isOwnHandlerThread);
    }

    private void drainAndRelease() {
        try {
            CompletableFuture<?>[] closing = subscriptions.stream()
                    .map(s -> s.closeAsync(s.closeTimeoutOf()).toCompletableFuture())
                    .toArray(CompletableFuture[]::new);
            CompletableFuture.allOf(closing).get(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception ignored) {
            // each subscription logs its own close problems
        } finally {
            // not under the engine's lock: the close waits for the pending publishes, whose completions may call
            // the engine (publisher() answers ClosedException then, at once, instead of holding the thread that
            // completes publishes, and so the confirms behind it, until the publish timeout)
            DefaultPublisher shared;
            synchronized (this) {
                shared = publisher;
            }
            if (shared != null) {
                shared.close();
            }
            if (ownsScheduler) {
                context.scheduler().shutdownNow();
            }
            if (ownsStore) {
                store.close();
            }
        }
    }

    /** Waits for the close under way (each subscription bounds its drain); returns early only when interrupted. */
    private void awaitClosed() {
        try {
            closeFinished.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("never completed exceptionally", e);
        }
    }
}
