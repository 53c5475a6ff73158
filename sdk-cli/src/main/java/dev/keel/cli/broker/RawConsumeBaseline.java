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
}
