package dev.keel.retry;

import dev.keel.DecodingException;
import dev.keel.NonRetriableException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How often a failing handler is tried, how long to wait between tries (exponential backoff with
 * random jitter), and which failures are worth another try. Immutable; build with
 * {@link #custom()}, {@link #ofDefaults()} or {@link #from(RetryPolicy)}.
 *
 * <p>{@code maxAttempts} counts the first attempt: 1 means no retry, 5 means the first attempt and
 * up to 4 retries. A broker redelivery counts as an attempt too.
 *
 * <p><b>Failure classification.</b> A failure is retried unless it aborts; an aborting failure goes
 * to the dead letters at once, at the attempt it happened. By default every failure is retried
 * except {@link DecodingException} (the payload cannot be read) and {@link NonRetriableException}
 * (a handler says the message can never succeed), which always abort. {@link Builder#abortOn}
 * names more failures that abort; {@link Builder#retryOn} restricts retries to the failures named.
 * {@code abortOn} wins over {@code retryOn}; a class matches its subclasses; the exception the
 * handler threw is matched, not its causes.
 *
 * <pre>{@code
 * RetryPolicy.custom().maxAttempts(5)
 *     .retryOn(IOException.class, TimeoutException.class)   // only these are retried
 *     .abortOn(FileNotFoundException.class)                 // but not this IOException
 *     .build();
 * }</pre>
 */
public final class RetryPolicy {

    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(200);
    public static final double DEFAULT_MULTIPLIER = 2.0;
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    public static final double DEFAULT_JITTER = 0.5;
    /** Failures that abort whatever the policy says. */
    private static final Set<Class<? extends Throwable>> ALWAYS_ABORT =
            Set.of(DecodingException.class, NonRetriableException.class);

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final double multiplier;
    private final Duration maxBackoff;
    private final double jitter;
    private final Set<Class<? extends Throwable>> retryOn;
    private final Set<Class<? extends Throwable>> abortOn;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.multiplier = b.multiplier;
        this.maxBackoff = b.maxBackoff;
        this.jitter = b.jitter;
        this.retryOn = b.retryOn;
        this.abortOn = b.abortOn;
    }

    /** The defaults: 5 attempts, backoff 200 ms doubling up to 30 s with jitter 0.5, default classification. */
    public static RetryPolicy ofDefaults() {
        return custom().build();
    }

    /** A single attempt: failures go straight to the dead letters. */
    public static RetryPolicy none() {
        return custom().maxAttempts(1).build();
    }

    /** A builder preset with the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** A builder preset with every value of {@code base}. */
    public static Builder from(RetryPolicy base) {
        Builder b = new Builder().maxAttempts(base.maxAttempts).initialBackoff(base.initialBackoff)
                .multiplier(base.multiplier).maxBackoff(base.maxBackoff).jitter(base.jitter);
        b.retryOn = base.retryOn;
        b.abortOn = base.abortOn;
        return b;
    }

    /** Attempts in all, the first one included: 1 means no retry. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The wait before the first retry. */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** The factor each further wait grows by. */
    public double multiplier() {
        return multiplier;
    }

    /** The longest wait between two attempts. */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** The randomization factor in [0, 1): each wait is drawn from backoff * (1 +/- jitter). */
    public double jitter() {
        return jitter;
    }

    /** The failures retried, with their subclasses; empty means every failure that does not abort. */
    public Set<Class<? extends Throwable>> retryOn() {
        return retryOn;
    }

    /** The failures, with their subclasses, that abort besides DecodingException and NonRetriableException. */
    public Set<Class<? extends Throwable>> abortOn() {
        return abortOn;
    }

    /** Whether another attempt follows a failed attempt number {@code attempt} (1-based). */
    public boolean allowsAnotherAfter(int attempt) {
        return attempt < maxAttempts;
    }

    /**
     * Whether {@code failure} is worth another attempt, by its class alone: false when it is a
     * {@link DecodingException}, a {@link NonRetriableException} or an {@link #abortOn()} class, or
     * when {@link #retryOn()} is not empty and it is none of those classes.
     */
    public boolean shouldRetry(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        if (matches(ALWAYS_ABORT, failure) || matches(abortOn, failure)) {
            return false;
        }
        return retryOn.isEmpty() || matches(retryOn, failure);
    }

    private static boolean matches(Set<Class<? extends Throwable>> classes, Throwable failure) {
        for (Class<? extends Throwable> type : classes) {
            if (type.isInstance(failure)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryPolicy p && p.maxAttempts == maxAttempts && p.initialBackoff.equals(initialBackoff)
                && Double.compare(p.multiplier, multiplier) == 0 && p.maxBackoff.equals(maxBackoff)
                && Double.compare(p.jitter, jitter) == 0 && p.retryOn.equals(retryOn) && p.abortOn.equals(abortOn);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, initialBackoff, multiplier, maxBackoff, jitter, retryOn, abortOn);
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff + ", multiplier="
                + multiplier + ", maxBackoff=" + maxBackoff + ", jitter=" + jitter + ", retryOn=" + names(retryOn)
                + ", abortOn=" + names(abortOn) + "}";
    }

    private static String names(Set<Class<? extends Throwable>> classes) {
        return classes.stream().map(Class::getName).sorted().collect(Collectors.joining(", ", "[", "]"));
    }

    /** Validates each value as it is set. */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private double multiplier = DEFAULT_MULTIPLIER;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private double jitter = DEFAULT_JITTER;
        private Set<Class<? extends Throwable>> retryOn = Set.of();
        private Set<Class<? extends Throwable>> abortOn = Set.of();

        private Builder() {
        }

        /** Attempts in all, the first one included (1 = no retry); at least 1. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1 (1 = no retry), was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The wait before the first retry; positive. */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = positive(initialBackoff, "initialBackoff");
            return this;
        }

        /** The factor each further wait grows by; finite and at least 1.0. */
        public Builder multiplier(double multiplier) {
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException("multiplier must be a finite number >= 1.0, was " + multiplier);
            }
            this.multiplier = multiplier;
            return this;
        }

        /** The longest wait between two attempts; positive, and at least the initial backoff. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = positive(maxBackoff, "maxBackoff");
            return this;
        }

        /** Randomization factor in [0, 1): each wait is drawn from backoff * (1 +/- jitter). */
        public Builder jitter(double jitter) {
            if (!(jitter >= 0.0 && jitter < 1.0)) {
                throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
            }
            this.jitter = jitter;
            return this;
        }

        /**
         * Retries only these failures (and their subclasses); any other failure goes to the dead
         * letters at once. Replaces the classes set before; none: retry every failure that does not
         * abort (the default). {@link #abortOn} wins over this.
         */
        @SafeVarargs
        @SuppressWarnings("varargs") // the array is only read and copied, never stored or exposed
        public final Builder retryOn(Class<? extends Throwable>... failures) {
            this.retryOn = classes(failures, "retryOn");
            return this;
        }

        /**
         * These failures (and their subclasses) go to the dead letters at once, without retry,
         * besides {@link DecodingException} and {@link NonRetriableException}, which always do.
         * Replaces the classes set before; wins over {@link #retryOn}.
         */
        @SafeVarargs
        @SuppressWarnings("varargs") // the array is only read and copied, never stored or exposed
        public final Builder abortOn(Class<? extends Throwable>... failures) {
            this.abortOn = classes(failures, "abortOn");
            return this;
        }

        /**
         * The policy.
         *
         * @throws IllegalArgumentException if maxBackoff is below initialBackoff
         */
        public RetryPolicy build() {
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("maxBackoff (" + maxBackoff + ") must be >= initialBackoff ("
                        + initialBackoff + ")");
            }
            return new RetryPolicy(this);
        }

        private static Set<Class<? extends Throwable>> classes(Class<? extends Throwable>[] failures, String what) {
            if (failures == null || Arrays.asList(failures).contains(null)) {
                throw new IllegalArgumentException(what + " takes exception classes, none of them null, was "
                        + (failures == null ? null : Arrays.toString(failures)));
            }
            return Set.copyOf(Arrays.asList(failures));
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be a positive duration, was " + d);
            }
            return d;
        }
    }
}
