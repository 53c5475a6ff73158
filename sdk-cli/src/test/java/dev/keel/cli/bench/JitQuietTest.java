package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The publish and consume sections' warm-up: rounds until the JIT is quiet over one, or its cap. */
class JitQuietTest {

    private final AtomicLong compiledMillis = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();

    /** Each round takes {@code roundMillis} and compiles the next of {@code compiling} (milliseconds). */
    private JitQuiet.Round rounds(long roundMillis, List<Long> compiling, AtomicInteger ran) {
        return () -> {
            int round = ran.getAndIncrement();
            compiledMillis.addAndGet(round < compiling.size() ? compiling.get(round) : 0);
            nanos.addAndGet(roundMillis * 1_000_000L);
        };
    }

    @Test
    void warmUpShouldEndWithTheFirstRoundTheJitWasQuietIn() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        JitQuiet jit = new JitQuiet(compiledMillis::get, nanos::get);

        JitQuiet.Warmup warmup = jit.warmUp(rounds(100, List.of(80L, 30L, 2L, 50L), ran), 10);

        assertThat(warmup.rounds()).as("80 and 30 ms of compiling in a 100 ms round are not quiet; 2 ms is")
                .isEqualTo(3);
        assertThat(warmup.quiet()).isTrue();
        assertThat(warmup.lastShare()).as("2 ms in the last 100 ms round").isEqualTo(0.02);
        assertThat(ran).hasValue(3);
    }

    @Test
    void warmUpShouldStopAtMaxRoundsAndSaySoWhenTheJitNeverQuietens() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        JitQuiet jit = new JitQuiet(compiledMillis::get, nanos::get);

        JitQuiet.Warmup warmup = jit.warmUp(rounds(100, List.of(50L, 50L, 50L, 50L, 50L, 50L), ran), 4);

        assertThat(warmup.rounds()).isEqualTo(4);
        assertThat(warmup.quiet()).as("ended by the cap").isFalse();
        assertThat(warmup.lastShare()).as("50 ms of compiling in the last 100 ms round").isEqualTo(0.5);
        assertThat(ran).hasValue(4);
    }

    @Test
    void aShortRoundShouldCountAsQuietWithOneMillisecondOfCompilation() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        JitQuiet jit = new JitQuiet(compiledMillis::get, nanos::get);

        JitQuiet.Warmup warmup = jit.warmUp(rounds(20, List.of(2L, 1L), ran), 10);

        assertThat(warmup.rounds()).as("2 ms in a 20 ms round is not quiet; 1 ms, the counter's grain, is")
                .isEqualTo(2);
    }

    @Test
    void theConsumeWarmUpShouldTakeOneRoundInAShortRunAndUpToItsCapInALongOne() {
        assertThat(ConsumeBench.maxWarmupRounds(300)).as("a test's or a smoke run's").isOne();
        assertThat(ConsumeBench.maxWarmupRounds(8_000)).isEqualTo(2);
        assertThat(ConsumeBench.maxWarmupRounds(20_000)).as("the bench's default").isEqualTo(ConsumeBench.WARMUP_ROUNDS);
        assertThat(ConsumeBench.maxWarmupRounds(1_000_000)).isEqualTo(ConsumeBench.WARMUP_ROUNDS);
        assertThat(ConsumeBench.warmupGroups(3)).as("each round's groups are its own, so each reads the whole topic")
                .doesNotHaveDuplicates().hasSize(6)
                .contains(ConsumeBench.WARMUP_GROUP, ConsumeBench.EO_WARMUP_GROUP,
                        ConsumeBench.warmupGroup(ConsumeBench.WARMUP_GROUP, 3));
        assertThat(ConsumeBench.warmupGroups(1)).as("a short run declares one round's groups, not the cap's")
                .containsExactly(ConsumeBench.WARMUP_GROUP, ConsumeBench.EO_WARMUP_GROUP);
    }

    @Test
    void theWarmUpShouldNeverSendMoreThanTheMeasuredPass() {
        assertThat(PublishBench.maxRounds(500_000)).isEqualTo(PublishBench.WARMUP_ROUNDS);
        assertThat(PublishBench.maxRounds(20_000)).isEqualTo(2);
        assertThat(PublishBench.maxRounds(2_000)).as("one round, of the measured pass's size").isOne();
    }
}
