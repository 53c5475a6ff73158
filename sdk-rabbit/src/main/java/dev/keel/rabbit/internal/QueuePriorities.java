package dev.keel.rabbit.internal;

import dev.keel.KeelHeaders;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.rabbit.QueueType;
import dev.keel.spi.OutboundRecord;
import java.util.Map;

/**
 * Message priorities on RabbitMQ: a topic declared with {@link TopicSpec#maxPriority()} gets lane
 * queues with {@code x-max-priority}, and a message's {@link KeelHeaders#PRIORITY} header becomes the
 * AMQP {@code priority} property. Only classic queues take {@code x-max-priority}: RabbitMQ 3.10's
 * quorum queues do not support priorities (3.13's know two levels only), so Keel refuses a topic
 * with priorities under {@link QueueType#QUORUM} instead of declaring queues that ignore them.
 */
final class QueuePriorities {

    static final String MAX_PRIORITY_ARGUMENT = "x-max-priority";

    private QueuePriorities() {
    }

    static void checkSupported(TopicSpec spec, QueueType queueType) {
        if (spec.maxPriority() > 0 && queueType != QueueType.CLASSIC) {
            throw new TopologyException(spec.name(), "topic '" + spec.name() + "' asks for message priorities "
                    + "(maxPriority " + spec.maxPriority() + "), which need classic partition queues: " + queueType
                    + " queues do not support x-max-priority. Build the RabbitAdapter with "
                    + "RabbitConfig.custom().queueType(QueueType.CLASSIC), or declare the topic without maxPriority");
        }
    }

    static void addArgument(Map<String, Object> queueArgs, int maxPriority) {
        if (maxPriority > 0) {
            queueArgs.put(MAX_PRIORITY_ARGUMENT, maxPriority);
        }
    }

    /** The AMQP priority of the record: its priority header, else null (none). */
    static Integer of(OutboundRecord record) {
        String value = record.headers().get(KeelHeaders.PRIORITY);
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
