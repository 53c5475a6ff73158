package dev.keel.testbrokers.internal.local;

import java.util.List;

/**
 * What the harness's Kafka nodes (single node and cluster) are given for share groups (KIP-932): the feature
 * enabled explicitly at format time ({@code share.version=2}: share groups and their broker-side dead-letter
 * queues, Kafka 4.4's default, written out so a different default cannot silently take them away), and
 * {@code group.share.*} bounds low enough for tests to use short locks and to see a killed member leave within
 * seconds. The defaults a group gets stay Kafka's, except the heartbeat and session timeout (shorter) and the
 * lock duration (15 s instead of 30 s); a test sets shorter locks per group.
 */
final class KafkaShareGroups {

    /** The {@code kafka-storage format} arguments that enable share groups. */
    static final List<String> FORMAT_FEATURES = List.of("--feature", "share.version=2");

    /** The broker properties, one {@code name=value} each. */
    static final List<String> SERVER_PROPERTIES = List.of(
            "group.share.min.record.lock.duration.ms=1000",
            "group.share.record.lock.duration.ms=15000",
            "group.share.min.heartbeat.interval.ms=500",
            "group.share.heartbeat.interval.ms=1000",
            "group.share.min.session.timeout.ms=6000",
            "group.share.session.timeout.ms=10000",
            "group.share.min.delivery.count.limit=2",
            "group.share.max.delivery.count.limit=10");

    private KafkaShareGroups() {
    }
}
