package dev.keel.core.internal.publish;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.SharedChannelClosedException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.PublisherState;
import dev.keel.core.internal.util.Futures;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The circuit breakers in front of the broker (resilience4j), one per topic: a topic's retriable failures count
 * on its own breaker, and after too many it opens and publishes to that topic fail fast until its open duration
 * passed. So one topic the broker keeps refusing (a partition below {@code min.insync.replicas}, an outbox row
 * retried every poll) does not pause the publishes to the others; a broker that fails everything opens every
 * topic's breaker as its publishes fail. {@link #state()} is the worst topic's.
 */
final class PublishBreaker {

    private final String name;
    private final CircuitBreakerConfig breakerConfig;
    private final Clock clock;
    private final long openMillis;
    private final Map<String, TopicBreaker> topics = new ConcurrentHashMap<>();

    PublishBreaker(String name, PublisherConfig config, Clock clock) {
        this.name = name;
        this.clock = clock;
        this.openMillis = config.openDuration().toMillis();
        this.breakerConfig = CircuitBreakerConfig.custom()
                .failureRateThreshold(config.failureRateThreshold())
                .minimumNumberOfCalls(config.minimumCalls())
                .slidingWindowSize(Math.max(config.minimumCalls(), 20))
                .waitDurationInOpenState(config.openDuration())
                .recordException(PublishBreaker::countsAgainstTopic)
                .build();
        // No listener on the breakers' events: with one, resilience4j builds an event (with a ZonedDateTime)
        // for every call. When one last opened is noted by the call that opened it (see TopicBreaker#ended).
    }

    /** The breaker of {@code topic} (created with its first publish). */
    TopicBreaker of(String topic) {
        TopicBreaker breaker = topics.get(topic);
        return breaker != null ? breaker : topics.computeIfAbsent(topic, TopicBreaker::new);
    }

    /**
     * Whether publishes reach the broker now, as the worst topic's breaker says: {@code CIRCUIT_OPEN} while one
     * topic's publishes fail fast, {@code CIRCUIT_HALF_OPEN} while one lets trials through, else {@code ACCEPTING}.
     */
    PublisherState state() {
        PublisherState worst = PublisherState.ACCEPTING;
        for (TopicBreaker breaker : topics.values()) {
            PublisherState state = breaker.state();
            if (state == PublisherState.CIRCUIT_OPEN) {
                return state;
            }
            if (state == PublisherState.CIRCUIT_HALF_OPEN) {
                worst = state;
            }
        }
        return worst;
    }

    /** One topic's breaker. */
    final class TopicBreaker {

        private final String topic;
        private final CircuitBreaker breaker;
        private volatile long openedAtMillis;

        private TopicBreaker(String topic) {
            this.topic = topic;
            this.breaker = CircuitBreaker.of(name + ":" + topic, breakerConfig);
        }

        /** Whether an attempt may go to the broker now (a permission to give back through {@link #ended}). */
        boolean permits() {
            return breaker.tryAcquirePermission();
        }

        /** The error an attempt the breaker did not permit ends with. */
        Throwable refusal() {
            return new Refusal(topic, CallNotPermittedException.createCallNotPermittedException(breaker));
        }

        /** An attempt that took {@code nanos} ended with {@code receipt} or {@code error}. */
        void ended(long nanos, PublishReceipt receipt, Throwable error) {
            CircuitBreaker.State before = breaker.getState();
            if (error == null) {
                breaker.onResult(nanos, TimeUnit.NANOSECONDS, receipt);
            } else if (error instanceof Exception) {
                breaker.onError(nanos, TimeUnit.NANOSECONDS, error);
            } else {
                breaker.releasePermission();
            }
            if (before != CircuitBreaker.State.OPEN && breaker.getState() == CircuitBreaker.State.OPEN) {
                openedAtMillis = clock.millis(); // this call opened it: trials pass once its open duration passed
            }
        }

        /**
         * The breaker stays OPEN until the first publish after its open duration; from then on that publish
         * would be a trial, so this answers CIRCUIT_HALF_OPEN.
         */
        PublisherState state() {
            return switch (breaker.getState()) {
                case OPEN -> clock.millis() - openedAtMillis < openMillis
                        ? PublisherState.CIRCUIT_OPEN : PublisherState.CIRCUIT_HALF_OPEN;
                case FORCED_OPEN -> PublisherState.CIRCUIT_OPEN;
                case HALF_OPEN -> PublisherState.CIRCUIT_HALF_OPEN;
                default -> PublisherState.ACCEPTING;
            };
        }
    }

    /** An attempt a topic's open breaker did not let through. */
    static final class Refusal extends RuntimeException {

        private static final long serialVersionUID = 1L;
        private final String topic;

        Refusal(String topic, CallNotPermittedException cause) {
            super(cause.getMessage(), cause, false, false);
            this.topic = topic;
        }
    }

    static boolean isRetriable(Throwable t) {
        Throwable cause = Futures.unwrap(t);
        return cause instanceof KeelException k && k.isRetriable();
    }

    /**
     * Whether {@code t} counts as a failure of its topic: a retriable one, but not a publish failed because the
     * broker refused another message on its channel ({@link SharedChannelClosedException}), which says nothing of
     * this topic or of the broker's health.
     */
    static boolean countsAgainstTopic(Throwable t) {
        return isRetriable(t) && !(Futures.unwrap(t) instanceof SharedChannelClosedException);
    }

    static boolean isRefusal(Throwable t) {
        return t instanceof Refusal;
    }

    /** The typed error a publish fails with. */
    static KeelException translate(Throwable t) {
        if (t instanceof KeelException k) {
            return k;
        }
        if (t instanceof Refusal refusal) {
            return new BrokerUnavailableException("publishing to '" + refusal.topic + "' paused: its circuit breaker "
                    + "is open after repeated retriable failures of publishes to it; it lets trial publishes through "
                    + "after its open duration (publishes to other topics go on)", t.getCause());
        }
        return new PublishException("publish failed: " + t, t, false);
    }
}
