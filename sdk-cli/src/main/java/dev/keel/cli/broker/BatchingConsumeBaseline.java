package dev.keel.cli.broker;

import dev.keel.cli.bench.Progress;
import dev.keel.cli.bench.Throughput;

/** A raw consume baseline that hands out its batches: its plain consume is the one with no work per batch. */
interface BatchingConsumeBaseline extends RawConsumeBaseline {

    @Override
    default void consume(String topic, String group, int messages, Progress progress, Throughput throughput)
            throws Exception {
        consume(topic, group, messages, progress, throughput, null);
    }

    @Override
    default boolean handsOutBatches() {
        return true;
    }

    /** {@inheritDoc} {@code work} null: none. */
    @Override
    void consume(String topic, String group, int messages, Progress progress, Throughput throughput, BatchWork work)
            throws Exception;
}
