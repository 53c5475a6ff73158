package dev.keel.cli.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The median and range of one measure over repeated runs.
 *
 * @param median the middle value (the mean of the two middle values for an even count)
 * @param min    the smallest value
 * @param max    the largest value
 * @param runs   the values in run order
 */
public record Spread(double median, double min, double max, List<Double> runs) {

    public Spread {
        runs = List.copyOf(runs);
    }

    /** The spread of {@code values}, in run order; at least one value. */
    public static Spread of(List<Double> values) {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException("a spread needs at least one value");
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new Spread(median, sorted.get(0), sorted.get(n - 1), values);
    }

    /** {@code (max - min) / median}, 0 when the median is 0. */
    public double relativeRange() {
        return median == 0 ? 0 : (max - min) / Math.abs(median);
    }
}
