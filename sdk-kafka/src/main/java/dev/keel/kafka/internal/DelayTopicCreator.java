package dev.keel.kafka.internal;

import dev.keel.spi.OutboundRecord;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a topic's delay topic (like the topic: partitions, replication, {@code min.insync.replicas})
 * the first time this producer sends a delayed record to it. Thread-safe.
 */
final class DelayTopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(DelayTopicCreator.class);

    private final TopicAdmin admin;
    private final boolean autoCreation;
    private final Set<String> ensured = ConcurrentHashMap.newKeySet();

    DelayTopicCreator(TopicAdmin admin, boolean autoCreation) {
        this.admin = admin;
        this.autoCreation = autoCreation;
    }

    /** {@code record} bound for its topic's delay topic, created first if needed (blocks then). */
    OutboundRecord toDelayTopic(OutboundRecord record) {
        String delayTopic = DelayTopics.delayTopic(record.topic());
        if (!ensured.contains(delayTopic)) {
            admin.ensureDeadLetterTopic(record.topic(), delayTopic, autoCreation);
            if (ensured.add(delayTopic)) {
                LOG.debug("Kafka delay topic {} is ready", delayTopic);
            }
        }
        return record.withTopic(delayTopic);
    }
}
