package dev.keel.core.internal.chain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.retry.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void backoffShouldGrowAndStayUnderTheMaximum() {
        RetryPolicy policy = RetryPolicy.custom().initialBackoff(Duration.ofMillis(100)).multiplier(2)
                .maxBackoff(Duration.ofMillis(500)).jitter(0).build();
        Backoff backoff = new Backoff(policy);
        assertThat(backoff.after(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.after(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.after(10)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void jitteredBackoffShouldStayWithinTheJitterBand() {
        RetryPolicy policy = RetryPolicy.custom().initialBackoff(Duration.ofMillis(100)).multiplier(2)
                .maxBackoff(Duration.ofSeconds(10)).jitter(0.5).build();
        Backoff backoff = new Backoff(policy);
        for (int i = 0; i < 100; i++) {
            assertThat(backoff.after(2).toMillis()).isBetween(100L, 300L);
        }
    }
}
