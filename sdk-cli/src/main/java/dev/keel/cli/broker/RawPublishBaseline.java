package dev.keel.cli.broker;

import dev.keel.cli.bench.Progress;

/**
 * A raw broker client publishing with confirmation, without Keel: the baseline that Keel's
 * publisher is measured against in {@code keel bench}.
 */
public interface RawPublishBaseline {

    /** A stable identifier for the JSON output, e.g. {@code rabbit_async_confirms}. */
    String id();

    /** What it does, for the table, e.g. "raw amqp-client, async confirms, window 1000". */
    String description();

    /**
     * Publishes {@code messages} messages of {@code payload} to {@code topic} (already declared through
     * the adapter, with the same settings as Keel's), message {@code i} with key {@code "k" + (i % keys)},
     * and returns when every one is confirmed.
     *
     * @return how many were confirmed
     */
    long publish(String topic, int messages, int keys, byte[] payload, Progress progress) throws Exception;

    /** How many messages this baseline should publish out of {@code requested} (slow baselines use fewer). */
    default int messagesFor(int requested) {
        return requested;
    }
}
