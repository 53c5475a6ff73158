package dev.keel.core.internal;

import dev.keel.ClosedException;
import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.PublisherState;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.metrics.MetricGauge;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.retry.RetryMode;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.support.DaemonThreads;
import dev.keel.deadletter.DeadLetters;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Wires the publish and consume pipelines for one {@link dev.keel.core.Keel}, and closes what it
 * created: its subscriptions, its publisher, its own scheduler and a store it was told it owns.
 * Never the adapter.
 */
public final class Engine implements AutoCloseable {

    private static final int STORE_THREADS = 2;

    private final BrokerAdapter adapter;
    /** Null when Keel was built without a store. */
    private final IdempotencyStore store;
    private final boolean ownsStore;
    private final Clock clock;
    private final MetricsRecorder metrics;
    private final PublisherConfig publisherConfig;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final Supplier<BrokerProducer> producer;
    private final List<EngineSubscription> subscriptions = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private DefaultPublisher publisher;
    private final String instanceId;

    /**
     * @param store     null when no subscription may use EFFECTIVELY_ONCE
     * @param ownsStore whether {@link #close()} closes {@code store} (Keel created it)
     * @param scheduler null: the engine creates (and shuts down) its own
     */
    public Engine(BrokerAdapter adapter, IdempotencyStore store, boolean ownsStore, Clock clock,
                  MetricsRecorder metrics, PublisherConfig publisherConfig, ScheduledExecutorService scheduler) {
        this(adapter, store, ownsStore, clock, metrics, publisherConfig, scheduler, Broadcasts.randomInstanceId());
    }

    /** @param instanceId this instance's id, for broadcast subscriptions */
    public Engine(BrokerAdapter adapter, IdempotencyStore store, boolean ownsStore, Clock clock,
                  MetricsRecorder metrics, PublisherConfig publisherConfig, ScheduledExecutorService scheduler,
                  String instanceId) {
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        this.store = store;
        this.ownsStore = ownsStore && store != null;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.publisherConfig = Objects.requireNonNull(publisherConfig, "publisherConfig");
        this.ownsScheduler = scheduler == null;
        this.scheduler = scheduler != null ? scheduler : newScheduler();
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

    /** The dead letters {@code group} keeps on {@code deadLetterTopic}; read with the given waits. */
    public DeadLetters deadLetters(String group, String deadLetterTopic, Duration firstWait, Duration quiet) {
        return new DefaultDeadLetters(adapter, group, deadLetterTopic, clock, publisherConfig.timeout(), firstWait,
                quiet);
    }

    public synchronized Publisher publisher() {
        if (closed.get()) {
            throw new ClosedException("Keel is closed");
        }
        if (publisher == null) {
            publisher = new DefaultPublisher("keel-publisher", producer, publisherConfig, scheduler, clock, metrics,
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

    /** The subscriptions started here and not closed yet (closing or failed ones included). */
    public List<Subscription> subscriptions() {
        return subscriptions.stream().filter(s -> s.state() != Subscription.State.CLOSED)
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
        // null under DeadLetterPolicy.none(): no dead-letter topic is ensured or published to
        String deadLetterTopic = !config.deadLetterPolicy().isEnabled() ? null
                : config.deadLetterPolicy().destinationFor(config.topic())
                        .orElseGet(() -> adapter.defaultDeadLetterTopic(config.topic()));
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
        ExecutorService handlerPool = Executors.newFixedThreadPool(config.lanes(), DaemonThreads.named(name + "-handler"));
        boolean dedup = config.guarantee() == DeliveryGuarantee.EFFECTIVELY_ONCE;
        ExecutorService storePool = dedup ? Executors.newFixedThreadPool(STORE_THREADS, DaemonThreads.named(name + "-store"))
                : null;
        Optional<String> broadcastInstance = Broadcasts.check(adapter, config, instanceId);
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(config.topic(), config.group(),
                config.maxInFlight(), config.revokeTimeout(), Optional.ofNullable(deadLetterTopic), config.filter(),
                broadcastInstance));
        FlowControl flow = new FlowControl(consumer, config.maxInFlight());
        String namespace = config.broadcast() ? Broadcasts.namespace(config, instanceId)
                : StoreAccess.namespaceOf(config.group(), namespaceTopic);
        StoreAccess storeAccess = dedup ? new StoreAccess(store, config.topic(), config.group(), namespace,
                config.idempotencyPolicy(), storePool, flow, metrics, clock) : null;
        Delays delays = new Delays(scheduler, handlerPool);
        EngineSubscription[] self = new EngineSubscription[1];
        Step chain = Chains.build(config, deadLetterTopic, retryTopic, handler, storeAccess, delays, () -> self[0].isStopped(),
                producer, clock, metrics, publisherConfig.timeout());
        EngineSubscription subscription = new EngineSubscription(config, consumer,
                new KeyOrderedExecutor(config.lanes(), handlerPool, clock), handlerPool, storePool, flow, storeAccess,
                chain, clock, scheduler, metrics);
        self[0] = subscription;
        metrics.inFlight(config.topic(), config.group(), subscription::inFlightCount);
        metrics.gauge(MetricGauge.UNACKNOWLEDGED, config.topic(), config.group(), subscription::unacknowledgedCount);
        metrics.gauge(MetricGauge.BUSY_WAITING, config.topic(), config.group(), subscription::busyWaitingCount);
        metrics.gauge(MetricGauge.STALLED_LANES, config.topic(), config.group(), subscription::stalledLaneCount);
        if (consumer.backlog() >= 0) {
            metrics.gauge(MetricGauge.BROKER_BACKLOG, config.topic(), config.group(),
                    () -> (int) Math.min(Integer.MAX_VALUE, Math.max(0, consumer.backlog())));
        }
        subscriptions.add(subscription);
        subscription.start();
        consumer.start(subscription);
        return subscription;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
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
            synchronized (this) {
                if (publisher != null) {
                    publisher.close();
                }
            }
            if (ownsScheduler) {
                scheduler.shutdownNow();
            }
            if (ownsStore) {
                store.close();
            }
        }
    }
}
