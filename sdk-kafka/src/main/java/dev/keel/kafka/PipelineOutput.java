package dev.keel.kafka;

import dev.keel.Message;
import java.util.Objects;

/**
 * One record a {@link RecordTransform} writes: a message for a topic. A message without an id gets
 * {@code <input id>-<n>} (n counting the input's outputs from 0), the same every time the input is
 * processed again, so even readers that see aborted records can deduplicate.
 *
 * @param topic   the output topic (not the input topic)
 * @param message the message; Keel's headers are added as for any publish
 */
public record PipelineOutput(String topic, Message message) {

    public PipelineOutput {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(message, "message");
    }
}
