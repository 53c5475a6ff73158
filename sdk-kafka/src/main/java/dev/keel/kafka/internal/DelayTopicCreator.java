package dev.keel.kafka.internal;

import dev.keel.spi.OutboundRecord;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a topic's delay topic (like the topic: partitions, replication, {@code min.insync.replicas})
 * the first time this producer sends a delayed record to it, and then tells {@code onReady} (the
 * topic's name), so that this adapter's subscriptions of the topic start their delay forwarders at
 * once. Thread-safe.
 */
final class DelayTopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(DelayTopicCreator.class);

    private final TopicAdmin admin;
    private final boolean autoCreation;
    private final Consumer<String> onReady;
    private final Set<String> ensured = ConcurrentHashMap.newKeySet();

    DelayTopicCreator(TopicAdmin admin, boolean autoCreation, Consumer<String> onReady) {
        this.admin = admin;
        this.autoCreation = autoCreation;
        this.onReady = onReady;
    }

    /** {@code record} bound for its topic's delay topic, created first if needed (blocks then). */
    OutboundRecord toDelayTopic(OutboundRecord record) {
        String delayTopic = DelayTopics.delayTopic(record.topic());
        if (!ensured.contains(delayTopic)) {
            admin.ensureDeadLetterTopic(record.topic(), delayTopic, autoCreation);
            if (ensured.add(delayTopic)) {
                LOG.debug("Kafka delay topic {} is ready", delayTopic);
                onReady.accept(record.topic());
            }
        }
        return record.withTopic(delayTopic);
    }

    /** Forgets that {@code topic}'s delay topic exists (it was deleted): the next delayed send ensures it again. */
    void forget(String topic) {
        ensured.remove(DelayTopics.delayTopic(topic));
    }
}
