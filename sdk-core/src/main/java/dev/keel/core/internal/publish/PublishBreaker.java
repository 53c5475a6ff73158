package dev.keel.core.internal.publish;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.PublisherState;
import dev.keel.core.internal.util.Futures;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The circuit breaker in front of the broker (resilience4j): retriable failures count, and after
 * too many the breaker opens and publishes fail fast until its open duration passed.
 */
final class PublishBreaker {

    private final CircuitBreaker breaker;
    private final Clock clock;
    private final long openMillis;
    private volatile long openedAtMillis;

    PublishBreaker(String name, PublisherConfig config, Clock clock) {
        this.clock = clock;
        this.openMillis = config.openDuration().toMillis();
        this.breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .failureRateThreshold(config.failureRateThreshold())
                .minimumNumberOfCalls(config.minimumCalls())
                .slidingWindowSize(Math.max(config.minimumCalls(), 20))
                .waitDurationInOpenState(config.openDuration())
                .recordException(PublishBreaker::isRetriable)
                .build());
        // No listener on the breaker's events: with one, resilience4j builds an event (with a ZonedDateTime)
        // for every call. When it last opened is noted by the call that opened it (see #ended).
    }

    /** Whether an attempt may go to the broker now (a permission to give back through {@link #ended}). */
    boolean permits() {
        return breaker.tryAcquirePermission();
    }

    /** The error an attempt the breaker did not permit ends with. */
    Throwable refusal() {
        return CallNotPermittedException.createCallNotPermittedException(breaker);
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
            openedAtMillis = clock.millis(); // this call opened it: trial publishes pass once its open duration passed
        }
    }

    /**
     * Whether publishes reach the broker now. The breaker stays OPEN until the first publish after its
     * open duration; from then on that publish would be a trial, so this answers CIRCUIT_HALF_OPEN.
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

    static boolean isRetriable(Throwable t) {
        Throwable cause = Futures.unwrap(t);
        return cause instanceof KeelException k && k.isRetriable();
    }

    static boolean isRefusal(Throwable t) {
        return t instanceof CallNotPermittedException;
    }

    /** The typed error a publish fails with. */
    static KeelException translate(Throwable t) {
        if (t instanceof KeelException k) {
            return k;
        }
        if (t instanceof CallNotPermittedException) {
            return new BrokerUnavailableException("publishing paused: the circuit breaker is open after repeated "
                    + "broker failures; it lets trial publishes through after its open duration", t);
        }
        return new PublishException("publish failed: " + t, t, false);
    }
}
