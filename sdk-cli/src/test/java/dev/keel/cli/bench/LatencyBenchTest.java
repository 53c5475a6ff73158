package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyBenchTest {

    /**
     * The latency section's Redis figures per message share the store's work over every message its consumer claimed
     * and marked done, the warm-up's included: over the measured messages alone, 5,000 of them read 2.80 commands
     * per message where each message cost 2 (a claim and a done mark).
     */
    @Test
    void redisWorkShouldBeSharedOverTheWarmUpAndTheMeasuredMessages() {
        assertThat(LatencyBench.messagesHandled(5_000)).isEqualTo(1 + LatencyBench.WARMUP_MESSAGES + 5_000);
        assertThat(LatencyBench.messagesHandled(200)).as("a warm-up as long as the measured run, when shorter")
                .isEqualTo(1 + 200 + 200);
    }
}
