package dev.keel.cli.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Warm-up rounds repeated until the JIT is quiet: a round whose compilations took at most {@link #QUIET_SHARE} of its
 * elapsed time (or a millisecond, the counter's grain, for a short round) ends the warm-up, as does the last of
 * {@code maxRounds}. A measured pass after it then costs what the compiled code costs, not the compiler's work
 * too: over a whole publish run the JIT's threads used more CPU than the thread that publishes, most of it while the
 * first pass ran. The compilation time counted is the whole JVM's, whichever thread's code is compiled.
 */
final class JitQuiet {

    /** The share of a round's elapsed time its compilations may take for the JIT to count as quiet. */
    static final double QUIET_SHARE = 0.02;
    /** Compilation time a round may take whatever its length: the counter's grain. */
    static final long QUIET_FLOOR_MILLIS = 1;

    /** What one round does; it runs the work and may throw what the work throws. */
    @FunctionalInterface
    interface Round {
        void run() throws Exception;
    }

    /**
     * How a warm-up ended: after how many rounds, whether the JIT was quiet over the last (not the cap), and the share
     * of the last round's elapsed time the JVM spent compiling (0 to 1; above 1 when several compiler threads ran).
     */
    record Warmup(int rounds, boolean quiet, double lastShare) {
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

    /** Runs {@code round} until the JIT is quiet over one, at most {@code maxRounds} times. */
    Warmup warmUp(Round round, int maxRounds) throws Exception {
        if (maxRounds < 1) {
            throw new IllegalArgumentException("maxRounds must be at least 1, was " + maxRounds);
        }
        int rounds = 0;
        double share = 0;
        while (rounds < maxRounds) {
            long compiledBefore = compileMillis.getAsLong();
            long start = nanoTime.getAsLong();
            round.run();
            rounds++;
            double elapsedMillis = (nanoTime.getAsLong() - start) / 1e6;
            long compiled = compileMillis.getAsLong() - compiledBefore;
            share = elapsedMillis > 0 ? compiled / elapsedMillis : 0;
            if (compiled <= Math.max(QUIET_SHARE * elapsedMillis, QUIET_FLOOR_MILLIS)) {
                return new Warmup(rounds, true, share);
            }
        }
        return new Warmup(rounds, false, share);
    }
}
