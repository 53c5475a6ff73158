package dev.keel.cli.broker;

import dev.keel.cli.bench.Progress;
import dev.keel.cli.bench.Throughput;

/**
 * A raw broker client consuming without Keel: the baseline Keel's AT_LEAST_ONCE consume is measured
 * against in {@code keel bench}.
 */
public interface RawConsumeBaseline {

    /** A stable identifier for the JSON output, e.g. {@code rocket_lite_pull}. */
    String id();

    /** What it does, for the table. */
    String description();

    /**
     * Reads {@code topic} from its first message as the broker group of Keel group {@code group} (declared
     * through the adapter) until {@code messages} were received, recording each in {@code throughput} as
     * Keel's bench handlers do (so that the rate, too, is timed from the first message to the last).
     */
    void consume(String topic, String group, int messages, Progress progress, Throughput throughput) throws Exception;

    /** Whether {@link #consume(String, String, int, Progress, Throughput, BatchWork)} hands out its batches. */
    default boolean handsOutBatches() {
        return false;
    }

    /**
     * {@link #consume(String, String, int, Progress, Throughput)}, doing {@code work} on each batch received before
     * its messages are counted and their positions committed; only where {@link #handsOutBatches()}.
     */
    default void consume(String topic, String group, int messages, Progress progress, Throughput throughput,
                         BatchWork work) throws Exception {
        throw new UnsupportedOperationException(id() + " hands out no batches");
    }
}
