package dev.keel.cli.bench;

import java.util.List;

/**
 * What heap-after-collection samples say about a period: the peak, and whether the heap stayed flat,
 * comparing the highest heap after a collection in the last third of the period with the highest in its
 * first third. Between collections the heap after the latest one holds, so a third without a collection
 * still has the value the previous collection left.
 *
 * @param collections   how many collections ended within the period
 * @param peakBytes     the highest heap used after a collection in the period (or the one in effect at its start)
 * @param firstThirdMax the highest in the first third, 0 when no collection had happened by then
 * @param lastThirdMax  the highest in the last third, 0 when no collection had happened by then
 */
record HeapTrend(int collections, long peakBytes, long firstThirdMax, long lastThirdMax) {

    /** {@code samples} in time order; the period is {@code [startNanos, endNanos]}. */
    static HeapTrend of(List<HeapWatch.Sample> samples, long startNanos, long endNanos) {
        long third = Math.max(1, (endNanos - startNanos) / 3);
        long lastThirdStart = endNanos - third;
        long inEffect = 0;
        long atLastThird = -1;
        int n = 0;
        long peak = 0;
        long first = 0;
        long last = 0;
        for (HeapWatch.Sample s : samples) {
            if (s.nanos() > endNanos) {
                break;
            }
            if (s.nanos() < startNanos) {
                inEffect = s.usedAfter();
                continue;
            }
            if (n == 0) {
                first = inEffect;
                peak = inEffect;
            }
            if (atLastThird < 0 && s.nanos() >= lastThirdStart) {
                atLastThird = inEffect;
            }
            n++;
            inEffect = s.usedAfter();
            peak = Math.max(peak, inEffect);
            if (s.nanos() < startNanos + third) {
                first = Math.max(first, inEffect);
            } else if (s.nanos() >= lastThirdStart) {
                last = Math.max(last, inEffect);
            }
        }
        if (n == 0) {
            return new HeapTrend(0, inEffect, inEffect, inEffect);
        }
        last = Math.max(last, atLastThird < 0 ? inEffect : atLastThird);
        return new HeapTrend(n, peak, first, last);
    }

    /** Last third's max over the first third's; {@code NaN} when either third had no value. */
    double growth() {
        return firstThirdMax == 0 || lastThirdMax == 0 ? Double.NaN : (double) lastThirdMax / firstThirdMax;
    }
}
