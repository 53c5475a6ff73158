package dev.keel.cli.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Warm-up rounds repeated until the JIT is quiet: a round whose compilations took at most {@link #QUIET_SHARE} of its
 * elapsed time ends the warm-up, as does the last of {@code maxRounds}. A measured pass after it then costs what the
 * compiled code costs, not the compiler's work too: in a run's first publish pass the JIT's threads used more of
 * the JVM's CPU than the publisher did, and the raw client measured after Keel found the client code it shares with
 * Keel compiled already.
 */
final class JitQuiet {

    /** The share of a round's elapsed time its compilations may take for the JIT to count as quiet. */
    static final double QUIET_SHARE = 0.02;

    /** What one round does; it runs the work and may throw what the work throws. */
    @FunctionalInterface
    interface Round {
        void run() throws Exception;
    }

    private final LongSupplier compileMillis;
    private final LongSupplier nanoTime;

    JitQuiet(LongSupplier compileMillis, LongSupplier nanoTime) {
        this.compileMillis = compileMillis;
        this.nanoTime = nanoTime;
    }

    /** Reads this JVM's total compilation time; when the JVM does not tell it, every round counts as quiet. */
    static JitQuiet ofThisJvm() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean told = jit != null && jit.isCompilationTimeMonitoringSupported();
        return new JitQuiet(told ? jit::getTotalCompilationTime : () -> 0L, System::nanoTime);
    }

    /**
     * Runs {@code round} until the JIT is quiet over one, at most {@code maxRounds} times.
     *
     * @return how many rounds ran
     */
    int warmUp(Round round, int maxRounds) throws Exception {
        if (maxRounds < 1) {
            throw new IllegalArgumentException("maxRounds must be at least 1, was " + maxRounds);
        }
        int rounds = 0;
        while (rounds < maxRounds) {
            long compiledBefore = compileMillis.getAsLong();
            long start = nanoTime.getAsLong();
            round.run();
            rounds++;
            double elapsedMillis = (nanoTime.getAsLong() - start) / 1e6;
            if (compileMillis.getAsLong() - compiledBefore <= QUIET_SHARE * elapsedMillis) {
                break;
            }
        }
        return rounds;
    }
}
