package dev.keel.cli.broker;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A raw broker client publishing and consuming without Keel, at a rate the caller paces: the baseline
 * of Keel's end-to-end latency in {@code keel bench}. Publishes are confirmed by the broker (as Keel's
 * are) and the consumer acknowledges (commits) after handling, so the only difference left is Keel.
 */
public interface RawLatencyBaseline {

    /** A stable identifier for the JSON output, e.g. {@code kafka_clients}. */
    String id();

    /** What it does, for the table. */
    String description();

    /**
     * Starts a consumer of {@code topic} (declared through the adapter with Keel group {@code group}),
     * reading from its first message and giving each payload to {@code onPayload}, and a producer; returns
     * once both are started (the consumer may still be joining: the caller waits for a first message).
     */
    Session open(String topic, String group, Consumer<byte[]> onPayload) throws Exception;

    /** A running producer and consumer. */
    interface Session extends AutoCloseable {

        /**
         * Publishes asynchronously with confirms; a failed or unconfirmed publish fails {@link #close()}.
         * Key {@code key} selects the partition as Keel's publisher does.
         */
        void publish(String key, byte[] payload) throws Exception;

        /**
         * Waits for every publish's confirmation, then stops both clients; throws the first failure (an
         * interrupted wait is an {@link java.io.InterruptedIOException}).
         */
        @Override
        void close() throws IOException;
    }
}
