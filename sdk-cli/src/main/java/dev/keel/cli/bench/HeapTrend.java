package dev.keel.cli.bench;

import java.util.List;

/**
 * What heap-after-collection samples say: the peak, and whether the heap stayed flat, comparing the
 * highest sample of the last third of the period with the highest of its first third.
 *
 * @param collections   how many samples (collections) there were
 * @param peakBytes     the highest heap used after a collection, 0 without samples
 * @param firstThirdMax the highest of the first third of the period, 0 without samples there
 * @param lastThirdMax  the highest of the last third of the period, 0 without samples there
 */
record HeapTrend(int collections, long peakBytes, long firstThirdMax, long lastThirdMax) {

    /** Samples taken between {@code startNanos} and {@code endNanos}; others are ignored. */
    static HeapTrend of(List<HeapWatch.Sample> samples, long startNanos, long endNanos) {
        long third = Math.max(1, (endNanos - startNanos) / 3);
        int n = 0;
        long peak = 0;
        long first = 0;
        long last = 0;
        for (HeapWatch.Sample s : samples) {
            if (s.nanos() < startNanos || s.nanos() > endNanos) {
                continue;
            }
            n++;
            peak = Math.max(peak, s.usedAfter());
            if (s.nanos() < startNanos + third) {
                first = Math.max(first, s.usedAfter());
            } else if (s.nanos() >= endNanos - third) {
                last = Math.max(last, s.usedAfter());
            }
        }
        return new HeapTrend(n, peak, first, last);
    }

    /** Last third's max over the first third's; {@code NaN} when either third had no collection. */
    double growth() {
        return firstThirdMax == 0 || lastThirdMax == 0 ? Double.NaN : (double) lastThirdMax / firstThirdMax;
    }
}
