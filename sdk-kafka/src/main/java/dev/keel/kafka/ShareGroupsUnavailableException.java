package dev.keel.kafka;

import dev.keel.KeelException;

/**
 * The Kafka cluster does not offer share groups: its feature {@value #FEATURE} is not finalized at 1 or higher.
 * A share-group subscription ({@code SubscriptionConfig.Builder.shareGroup(true)}) needs Kafka 4.2 or later with
 * the feature enabled ({@code kafka-features.sh --bootstrap-server … upgrade --feature share.version=2}, or a
 * cluster formatted with {@code --feature share.version=2}, Kafka 4.4's default). Not retriable: nothing changes
 * until an operator enables the feature. See docs/kafka.md, "Share groups".
 */
public class ShareGroupsUnavailableException extends KeelException {

    private static final long serialVersionUID = 1L;

    /** The broker feature that gates share groups (KIP-932). */
    public static final String FEATURE = "share.version";

    private final int finalizedLevel;

    /**
     * @param finalizedLevel the feature's finalized level on the cluster, 0 when it is not finalized at all
     */
    public ShareGroupsUnavailableException(int finalizedLevel) {
        super("this Kafka cluster does not offer share groups: its feature " + FEATURE + " is "
                + (finalizedLevel <= 0 ? "not enabled" : "at level " + finalizedLevel) + ". A share-group "
                + "subscription needs Kafka 4.2 or later with " + FEATURE + "=1 or higher: enable it with "
                + "'kafka-features.sh --bootstrap-server <broker> upgrade --feature " + FEATURE + "=2' (check with "
                + "'kafka-features.sh --bootstrap-server <broker> describe'), or subscribe without shareGroup(true). "
                + "See docs/kafka.md \"Share groups\"", false);
        this.finalizedLevel = Math.max(0, finalizedLevel);
    }

    /** The feature's finalized level on the cluster: 0 when it is not enabled. */
    public int finalizedLevel() {
        return finalizedLevel;
    }
}
