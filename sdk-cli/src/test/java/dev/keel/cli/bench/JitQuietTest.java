package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JitQuietTest {

    private final AtomicLong compiledMillis = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();

    /** Each round takes 100 ms and compiles the next of {@code compiling} (milliseconds). */
    private JitQuiet.Round rounds(List<Long> compiling, AtomicInteger ran) {
        return () -> {
            int round = ran.getAndIncrement();
            compiledMillis.addAndGet(round < compiling.size() ? compiling.get(round) : 0);
            nanos.addAndGet(100_000_000L);
        };
    }

    @Test
    void warmUpShouldEndWithTheFirstRoundTheJitWasQuietIn() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        JitQuiet jit = new JitQuiet(compiledMillis::get, nanos::get);

        int rounds = jit.warmUp(rounds(List.of(80L, 30L, 2L, 50L), ran), 10);

        assertThat(rounds).as("80 and 30 ms of compiling in a 100 ms round are not quiet; 2 ms is").isEqualTo(3);
        assertThat(ran).hasValue(3);
    }

    @Test
    void warmUpShouldStopAtMaxRoundsWhenTheJitNeverQuietens() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        JitQuiet jit = new JitQuiet(compiledMillis::get, nanos::get);

        int rounds = jit.warmUp(rounds(List.of(50L, 50L, 50L, 50L, 50L, 50L), ran), 4);

        assertThat(rounds).isEqualTo(4);
        assertThat(ran).hasValue(4);
    }

    @Test
    void aJvmThatDoesNotTellItsCompilationTimeShouldWarmUpOnce() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        JitQuiet jit = new JitQuiet(() -> 0L, nanos::get);

        assertThat(jit.warmUp(rounds(List.of(), ran), 10)).isEqualTo(1);
    }
}
