package dev.keel.core.internal.publish;

import dev.keel.ClosedException;
import dev.keel.KeelTimeoutException;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.PublisherState;
import dev.keel.TopicSpec;
import dev.keel.core.internal.util.Futures;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The publish pipeline: id assignment and the header scheme ({@link PublishRecords}), a bounded
 * in-flight window, an overall timeout ({@link PendingPublishes}), retries of retriable failures
 * with the same id, a circuit breaker per topic in front of the broker ({@link PublishBreaker}), and (opt-in)
 * one publish at a time per key ({@link KeySequencer}). A publish that times out may still be
 * delivered (the broker may confirm it late); it carries its id, so consumers under
 * EFFECTIVELY_ONCE recognise a retried copy. Its window slot stays taken until its send at the
 * broker finished, and it starts no further retry ({@link Publish}).
 */
public final class DefaultPublisher implements Publisher {

    private record TopicKey(String topic, String key) {
    }

    private final PublisherConfig config;
    private final MetricsRecorder metrics;
    private final PublishRecords records;
    private final PublishBreaker breaker;
    private final Semaphore window;
    private final PendingPublishes pending;
    private final PublishParts parts;
    private final long timeoutNanos;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Topic names checked valid already (bounded). */
    private final Map<String, Boolean> validTopics = new ConcurrentHashMap<>();
    /** With {@link PublisherConfig#sequentialPerKey()}: one publish of a key at a time, until its sends finished. */
    private final KeySequencer keys;
    /** Whether the adapter declares DELAYED_DELIVERY. */
    private final boolean delays;

    /** With {@code delays} false, a delayed publish fails at once: the adapter lacks DELAYED_DELIVERY. */
    public DefaultPublisher(String name, Supplier<BrokerProducer> producer, PublisherConfig config,
                            ScheduledExecutorService scheduler, Clock clock, MetricsRecorder metrics, boolean delays) {
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.delays = delays;
        this.records = new PublishRecords(Objects.requireNonNull(clock, "clock"));
        this.breaker = new PublishBreaker(name, config, clock);
        this.window = new Semaphore(config.maxInFlight());
        this.pending = new PendingPublishes(Objects.requireNonNull(scheduler, "scheduler"),
                (int) Math.min(Integer.MAX_VALUE, Math.max(1024L, 2L * config.maxInFlight())));
        this.parts = new PublishParts(Objects.requireNonNull(producer, "producer"), breaker, window, scheduler,
                config, closed::get, metrics);
        this.keys = new KeySequencer(scheduler);
        this.timeoutNanos = config.timeout().toNanos();
    }

    /** Whether publishes reach the broker now; see {@link PublishBreaker#state()}. */
    public PublisherState state() {
        return closed.get() ? PublisherState.CLOSED : breaker.state();
    }

    @Override
    public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
        Objects.requireNonNull(message, "message");
        if (!validTopics.containsKey(topic) && !validate(topic)) {
            return Futures.failed(new IllegalArgumentException(
                    "topic must be 1-200 characters of [A-Za-z0-9._-], was '" + topic + "'"));
        }
        if (closed.get()) {
            return Futures.failed(new ClosedException("publisher is closed: create a new Keel to publish again"));
        }
        OutboundRecord record = records.of(topic, message);
        if (record.delayed() && !delays) {
            return Futures.failed(DelayedPublishes.unsupported(record));
        }
        try {
            if (!window.tryAcquire() && !window.tryAcquire(config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                return Futures.failed(new KeelTimeoutException("publish window of " + config.maxInFlight()
                        + " unconfirmed messages stayed full for " + config.timeout()
                        + ": the broker confirms too slowly or is down"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Futures.failed(new ClosedException("interrupted while waiting for room in the publish window"));
        }
        metrics.count(MetricEvent.PUBLISHED, topic, null);
        Publish publish = new Publish(record, System.nanoTime() + timeoutNanos, parts);
        CompletableFuture<PublishReceipt> result = publish.result();
        pending.add(publish);
        if (closed.get()) {
            result.completeExceptionally(new ClosedException("publisher closed while publishing"));
            return result;
        }
        if (!config.sequentialPerKey() || record.key() == null) {
            publish.attempt();
            return result;
        }
        // sent once the previous publish of its key has finished (its sends, not only its stage)
        keys.submit(new TopicKey(topic, record.key()), publish::start);
        return result;
    }

    private boolean validate(String topic) {
        if (topic == null || !TopicSpec.isValidName(topic)) {
            return false;
        }
        if (validTopics.size() < 10_000) {
            validTopics.put(topic, Boolean.TRUE);
        }
        return true;
    }

    @Override
    public CompletionStage<Void> closeAsync() {
        closed.set(true);
        return pending.drained();
    }

    @Override
    public void close() {
        CompletableFuture<Void> done = closeAsync().toCompletableFuture();
        try {
            done.get(config.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            pending.failAll(new ClosedException("publisher closed before the broker confirmed"));
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
