package dev.keel.core.internal;

import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.KeelTimeoutException;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.PublisherState;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.TopicSpec;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publish pipeline: id assignment, the header scheme, a bounded in-flight window, an overall
 * timeout, retries of retriable failures with the same id, a circuit breaker in front of the
 * broker, and (opt-in) one publish at a time per key. A publish that times out may still be
 * delivered (the broker may confirm it late); it carries its id, so consumers under
 * EFFECTIVELY_ONCE recognise a retried copy. Its window slot stays taken until its send at the
 * broker finished, and it starts no further retry.
 */
final class DefaultPublisher implements Publisher {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultPublisher.class);
    private static final long SWEEP_INTERVAL_MILLIS = 50;

    private final Supplier<BrokerProducer> producer;
    private final PublisherConfig config;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final MetricsRecorder metrics;
    private final TimeOrderedIds ids;
    private final Semaphore window;
    private final CircuitBreaker breaker;
    private final long timeoutNanos;
    /**
     * Publishes in the order they were sent, each with the nano time it times out at; swept by
     * {@link #expireOverdue()}, which also drops the completed ones: one lock-free append per publish
     * instead of a map entry put and removed.
     */
    private final ConcurrentLinkedQueue<Publish> pending = new ConcurrentLinkedQueue<>();
    private final ScheduledFuture<?> sweeper;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long openedAtMillis;
    private final Map<String, Boolean> validTopics = new ConcurrentHashMap<>();
    /** With {@link PublisherConfig#sequentialPerKey()}: one publish of a key at a time, until its sends finished. */
    private final KeySequencer keys;
    /** Whether the adapter declares DELAYED_DELIVERY. */
    private final boolean delays;

    private record TopicKey(String topic, String key) {
    }

    DefaultPublisher(String name, Supplier<BrokerProducer> producer, PublisherConfig config,
                            ScheduledExecutorService scheduler, Clock clock, MetricsRecorder metrics) {
        this(name, producer, config, scheduler, clock, metrics, true);
    }

    /** With {@code delays} false, a delayed publish fails at once: the adapter lacks DELAYED_DELIVERY. */
    DefaultPublisher(String name, Supplier<BrokerProducer> producer, PublisherConfig config,
                     ScheduledExecutorService scheduler, Clock clock, MetricsRecorder metrics, boolean delays) {
        this.delays = delays;
        this.producer = Objects.requireNonNull(producer, "producer");
        this.config = Objects.requireNonNull(config, "config");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.ids = new TimeOrderedIds(clock);
        this.window = new Semaphore(config.maxInFlight());
        this.keys = new KeySequencer(scheduler);
        this.breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .failureRateThreshold(config.failureRateThreshold())
                .minimumNumberOfCalls(config.minimumCalls())
                .slidingWindowSize(Math.max(config.minimumCalls(), 20))
                .waitDurationInOpenState(config.openDuration())
                .recordException(DefaultPublisher::isRetriable)
                .build());
        // No listener on the breaker's events: with one, resilience4j builds an event (with a ZonedDateTime)
        // for every call. When it last opened is noted by the call that opened it (see Publish#accept).
        this.timeoutNanos = config.timeout().toNanos();
        // one periodic sweep instead of a timer per message: a timer per publish costs more than the publish
        this.sweeper = scheduler.scheduleWithFixedDelay(this::expireOverdue, SWEEP_INTERVAL_MILLIS,
                SWEEP_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void expireOverdue() {
        long now = System.nanoTime();
        pending.removeIf(publish -> {
            publish.expireIfOverdue(now);
            return publish.result.isDone();
        });
    }

    /**
     * Whether publishes reach the broker now. The breaker stays OPEN until the first publish after its
     * open duration; from then on that publish would be a trial, so this answers CIRCUIT_HALF_OPEN.
     */
    PublisherState state() {
        if (closed.get()) {
            return PublisherState.CLOSED;
        }
        return switch (breaker.getState()) {
            case OPEN -> clock.millis() - openedAtMillis < config.openDuration().toMillis()
                    ? PublisherState.CIRCUIT_OPEN : PublisherState.CIRCUIT_HALF_OPEN;
            case FORCED_OPEN -> PublisherState.CIRCUIT_OPEN;
            case HALF_OPEN -> PublisherState.CIRCUIT_HALF_OPEN;
            default -> PublisherState.ACCEPTING;
        };
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
        OutboundRecord record = toRecord(topic, message);
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
        Publish publish = new Publish(record, System.nanoTime() + timeoutNanos);
        CompletableFuture<PublishReceipt> result = publish.result;
        pending.add(publish);
        // confirmed, failed, timed out, closed or cancelled: no attempt starts after this; the slot frees once none runs
        result.whenComplete((receipt, error) -> publish.completed(error));
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
    public CompletionStage<List<PublishReceipt>> publishAllAsync(String topic, List<Message> messages) {
        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>(messages.size());
        for (Message message : messages) {
            futures.add(publishAsync(topic, message).toCompletableFuture());
        }
        return Futures.allInOrder(futures);
    }

    @Override
    public CompletionStage<Void> closeAsync() {
        closed.set(true);
        CompletableFuture<?>[] waiting = pending.stream().map(p -> p.result).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(waiting).handle((v, e) -> {
            sweeper.cancel(false);
            return null;
        });
    }

    @Override
    public void close() {
        CompletableFuture<Void> done = closeAsync().toCompletableFuture();
        try {
            done.get(config.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            ClosedException closedError = new ClosedException("publisher closed before the broker confirmed");
            pending.forEach(p -> p.result.completeExceptionally(closedError));
            sweeper.cancel(false);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private OutboundRecord toRecord(String topic, Message message) {
        String id = message.id() != null ? message.id() : ids.next();
        Instant timestamp = message.timestamp() != null ? message.timestamp() : clock.instant();
        Instant deliverAt = DelayedPublishes.dueTime(message, clock);
        // built immutable once, so the record keeps it without a copy; a message has no keel-* header of its
        // own (Message.Builder refuses them), so no name repeats
        @SuppressWarnings("unchecked")
        Map.Entry<String, String>[] headers = (Map.Entry<String, String>[]) new Map.Entry<?, ?>[
                message.headers().size() + 2 + (message.key() != null ? 1 : 0)
                        + (message.priority() != null ? 1 : 0) + (deliverAt != null ? 1 : 0)];
        int n = 0;
        for (Map.Entry<String, String> header : message.headers().entrySet()) {
            headers[n++] = header;
        }
        headers[n++] = Map.entry(KeelHeaders.ID, id);
        if (message.key() != null) {
            headers[n++] = Map.entry(KeelHeaders.KEY, message.key());
        }
        headers[n++] = Map.entry(KeelHeaders.TIMESTAMP, Long.toString(timestamp.toEpochMilli()));
        if (message.priority() != null) {
            headers[n++] = Map.entry(KeelHeaders.PRIORITY, Integer.toString(message.priority()));
        }
        if (deliverAt != null) {
            headers[n] = Map.entry(KeelHeaders.DELIVER_AT, Long.toString(deliverAt.toEpochMilli()));
        }
        return new OutboundRecord(topic, id, message.key(), Map.ofEntries(headers), message.payload(), timestamp,
                deliverAt);
    }

    private static boolean isRetriable(Throwable t) {
        Throwable cause = Futures.unwrap(t);
        return cause instanceof KeelException k && k.isRetriable();
    }

    private static KeelException translate(Throwable t) {
        if (t instanceof KeelException k) {
            return k;
        }
        if (t instanceof CallNotPermittedException) {
            return new BrokerUnavailableException("publishing paused: the circuit breaker is open after repeated "
                    + "broker failures; it lets trial publishes through after its open duration", t);
        }
        return new PublishException("publish failed: " + t, t, false);
    }

    /**
     * One publish: its stage, its attempts (retries of retriable failures with backoff, each through
     * the circuit breaker) and its place in the in-flight window. The place is given back once, when
     * no attempt of the publish is running at the broker and none will start: when its sends and
     * retries finished, or when it was abandoned (its stage completed: confirmed, failed, timed out,
     * closed) and the attempt then running, if any, has finished. So the window bounds the sends
     * outstanding at the broker, not only the stages awaiting completion. One object per publish, and
     * no decorator chain: this is the publish hot path.
     */
    private final class Publish implements BiConsumer<PublishReceipt, Throwable> {
        final OutboundRecord record;
        final long deadlineNanos;
        final CompletableFuture<PublishReceipt> result = new CompletableFuture<>();
        /** With sequentialPerKey: completes once no attempt runs and none will start. */
        private CompletableFuture<Void> finishedStage;
        private int attempts;
        /** The error of this publish's last attempt at the broker, told when a retry is then refused by the breaker. */
        private Throwable lastBrokerError;
        private long attemptStartedNanos;
        private boolean abandoned;
        private boolean sending;
        private boolean freed;

        Publish(OutboundRecord record, long deadlineNanos) {
            this.record = record;
            this.deadlineNanos = deadlineNanos;
        }

        /** Starts the first attempt and answers a stage completing once no attempt runs any more. */
        CompletionStage<Void> start() {
            CompletableFuture<Void> finished;
            synchronized (this) {
                finished = finishedStage = new CompletableFuture<>();
            }
            attempt();
            return finished;
        }

        /** One attempt, unless the publish was abandoned (timed out, closed): then none starts, and no retry. */
        void attempt() {
            boolean start;
            synchronized (this) {
                start = !abandoned;
                if (start) {
                    sending = true;
                    attempts++;
                }
            }
            if (!start) {
                finish();
                return;
            }
            if (!breaker.tryAcquirePermission()) {
                attemptEnded();
                outcome(null, CallNotPermittedException.createCallNotPermittedException(breaker));
                return;
            }
            attemptStartedNanos = System.nanoTime();
            CompletionStage<PublishReceipt> sent;
            try {
                sent = producer.get().send(record);
            } catch (RuntimeException | Error e) {
                accept(null, e);
                return;
            }
            sent.whenComplete(this);
        }

        /** The end of an attempt at the broker: tells the breaker, then retries or completes. */
        @Override
        public void accept(PublishReceipt receipt, Throwable error) {
            long took = System.nanoTime() - attemptStartedNanos;
            CircuitBreaker.State before = breaker.getState();
            if (error == null) {
                breaker.onResult(took, TimeUnit.NANOSECONDS, receipt);
            } else if (error instanceof Exception) {
                breaker.onError(took, TimeUnit.NANOSECONDS, error);
            } else {
                breaker.releasePermission();
            }
            if (before != CircuitBreaker.State.OPEN && breaker.getState() == CircuitBreaker.State.OPEN) {
                openedAtMillis = clock.millis(); // this call opened it: trial publishes pass once its open duration passed
            }
            attemptEnded();
            outcome(receipt, error);
        }

        private void outcome(PublishReceipt receipt, Throwable error) {
            if (error == null) {
                finish();
                result.complete(receipt);
                return;
            }
            Throwable cause = Futures.unwrap(error);
            if (!(cause instanceof CallNotPermittedException)) {
                lastBrokerError = cause;
            }
            if (attempts < config.maxAttempts() && isRetriable(cause) && !closed.get() && !result.isDone()) {
                long backoff = (long) (config.retryBackoff().toMillis() * Math.pow(2.0, attempts - 1));
                try {
                    scheduler.schedule(this::attempt, backoff, TimeUnit.MILLISECONDS);
                    return;
                } catch (RejectedExecutionException shutDown) {
                    // the scheduler stopped: fail with this attempt's error
                }
            }
            finish();
            KeelException failure = translate(cause);
            if (cause instanceof CallNotPermittedException && lastBrokerError != null) {
                failure.addSuppressed(lastBrokerError); // what the broker said before the breaker refused the retry
            }
            result.completeExceptionally(failure);
        }

        private void attemptEnded() {
            synchronized (this) {
                sending = false;
                if (!abandoned) {
                    return;
                }
            }
            free();
        }

        /** The stage completed (in any way, also from outside). */
        void completed(Throwable error) {
            synchronized (this) {
                abandoned = true;
                if (sending) {
                    metrics(error);
                    return;
                }
            }
            free();
            metrics(error);
        }

        private void metrics(Throwable error) {
            if (error == null) {
                metrics.count(MetricEvent.CONFIRMED, record.topic(), null);
            } else {
                metrics.count(MetricEvent.PUBLISH_FAILED, record.topic(), null);
                LOG.debug("publish of message {} to {} failed: {}", record.id(), record.topic(), error.toString());
            }
        }

        /** No attempt runs or will start: sends and retries are over. */
        private void finish() {
            free();
            CompletableFuture<Void> finished;
            synchronized (this) {
                finished = finishedStage;
            }
            if (finished != null) {
                finished.complete(null);
            }
        }

        private void free() {
            synchronized (this) {
                if (freed) {
                    return;
                }
                freed = true;
            }
            window.release();
        }

        void expireIfOverdue(long now) {
            if (now - deadlineNanos >= 0 && !result.isDone()) {
                result.completeExceptionally(new KeelTimeoutException("message " + record.id() + " to "
                        + record.topic() + " not confirmed within " + config.timeout()
                        + "; it may still arrive, with the same id"));
            }
        }
    }
}
