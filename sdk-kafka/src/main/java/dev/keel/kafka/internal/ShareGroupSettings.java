package dev.keel.kafka.internal;

import java.time.Duration;

/**
 * A share group's settings that Keel's share consumers depend on, as the broker reports them (the group's own
 * value, else the broker's {@code group.share.*} default).
 *
 * @param deliveryLimit   {@code share.delivery.count.limit}: the broker archives (or dead-letters) a record after
 *                        this many deliveries, so a delivery with this count is the last
 * @param lockDuration    {@code share.record.lock.duration.ms}: how long a record stays acquired by a member
 *                        that neither acknowledges nor renews it
 * @param renewEnabled    {@code share.renew.acknowledge.enable}: whether a member may renew its locks
 * @param autoOffsetReset {@code share.auto.offset.reset}: where the group starts on a partition it never read
 */
record ShareGroupSettings(int deliveryLimit, Duration lockDuration, boolean renewEnabled, String autoOffsetReset) {

    /** Kafka's defaults, until the group's own are read. */
    static final ShareGroupSettings KAFKA_DEFAULTS = new ShareGroupSettings(5, Duration.ofSeconds(30), true, "latest");
}
