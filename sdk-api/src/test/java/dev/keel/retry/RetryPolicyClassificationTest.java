package dev.keel.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.DecodingException;
import dev.keel.NonRetriableException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class RetryPolicyClassificationTest {

    /** A handler's own "never succeeds" failure. */
    static final class InvalidOrderException extends NonRetriableException {
        InvalidOrderException() {
            super("order has no customer");
        }
    }

    @Test
    void byDefaultEverythingButDecodingAndNonRetriableFailuresShouldBeRetried() {
        RetryPolicy policy = RetryPolicy.ofDefaults();

        assertThat(policy.shouldRetry(new IllegalStateException())).isTrue();
        assertThat(policy.shouldRetry(new IOException())).isTrue();
        assertThat(policy.shouldRetry(new AssertionError())).isTrue();
        assertThat(policy.shouldRetry(new DecodingException("bad json", null))).isFalse();
        assertThat(policy.shouldRetry(new NonRetriableException("never"))).isFalse();
        assertThat(policy.shouldRetry(new InvalidOrderException())).as("subclasses abort too").isFalse();
    }

    @Test
    void abortOnShouldStopRetriesForTheClassAndItsSubclasses() {
        RetryPolicy policy = RetryPolicy.custom().abortOn(IllegalArgumentException.class).build();

        assertThat(policy.shouldRetry(new IllegalArgumentException())).isFalse();
        assertThat(policy.shouldRetry(new NumberFormatException())).as("a subclass").isFalse();
        assertThat(policy.shouldRetry(new IllegalStateException())).isTrue();
    }

    @Test
    void retryOnShouldRetryOnlyTheListedFailures() {
        RetryPolicy policy = RetryPolicy.custom().retryOn(IOException.class).build();

        assertThat(policy.shouldRetry(new IOException())).isTrue();
        assertThat(policy.shouldRetry(new FileNotFoundException())).isTrue();
        assertThat(policy.shouldRetry(new IllegalStateException())).isFalse();
        assertThat(policy.shouldRetry(new UncheckedIOException(new IOException())))
                .as("the thrown exception is matched, not its cause").isFalse();
    }

    @Test
    void abortOnShouldWinOverRetryOnAndTheBuiltInAbortsOverBoth() {
        RetryPolicy policy = RetryPolicy.custom().retryOn(IOException.class, RuntimeException.class)
                .abortOn(FileNotFoundException.class).build();

        assertThat(policy.shouldRetry(new IOException())).isTrue();
        assertThat(policy.shouldRetry(new FileNotFoundException())).isFalse();
        assertThat(policy.shouldRetry(new NonRetriableException("never"))).as("a RuntimeException, still aborts")
                .isFalse();
    }

    @Test
    void aLaterCallShouldReplaceTheClassesAndNoneShouldRestoreTheDefault() {
        RetryPolicy policy = RetryPolicy.custom().retryOn(IOException.class).retryOn().abortOn(IOException.class)
                .abortOn(IllegalStateException.class).build();

        assertThat(policy.retryOn()).isEmpty();
        assertThat(policy.abortOn()).containsExactly(IllegalStateException.class);
        assertThat(policy.shouldRetry(new IOException())).isTrue();
    }

    @SuppressWarnings("unchecked")
    @Test
    void nullClassesShouldFailWithIllegalArgumentException() {
        assertThatThrownBy(() -> RetryPolicy.custom().retryOn(IOException.class, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retryOn takes exception classes");
        assertThatThrownBy(() -> RetryPolicy.custom().abortOn((Class<? extends Throwable>[]) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("abortOn");
    }
}
