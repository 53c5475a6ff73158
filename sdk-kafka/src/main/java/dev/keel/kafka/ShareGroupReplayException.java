package dev.keel.kafka;

import dev.keel.KeelException;

/**
 * {@code Keel.replay} or {@code Keel.reprocess} (and {@code keel replay}) refused for a Keel group that consumes the
 * topic as a Kafka share group ({@code SubscriptionConfig.Builder.shareGroup(true)}): a replay rewinds the group's
 * classic consumer-group offsets, and a share group has none (the broker keeps each record's state, and Kafka offers
 * no way to make it deliver acknowledged records again), so the replay would change nothing while reporting
 * success. Not retriable. Read the records again with a classic subscription of another group, or publish them
 * again. See docs/kafka.md, "Share groups".
 */
public class ShareGroupReplayException extends KeelException {

    private static final long serialVersionUID = 1L;

    private final String shareGroup;

    /**
     * @param topic      the topic to replay
     * @param group      the Keel group
     * @param shareGroup the Kafka share group that the Keel group's share-group subscriptions join
     * @param why        what shows that the Keel group consumes the topic as a share group
     */
    public ShareGroupReplayException(String topic, String group, String shareGroup, String why) {
        super("group '" + group + "' consumes topic '" + topic + "' as Kafka share group '" + shareGroup + "' (" + why
                + "): a replay rewinds classic consumer-group offsets, which a share group does not have, so it would "
                + "deliver nothing again; share groups offer no replay (docs/kafka.md, \"Share groups\")", false);
        this.shareGroup = shareGroup;
    }

    /** The Kafka share group that consumes the topic. */
    public String shareGroup() {
        return shareGroup;
    }
}
