package dev.keel.dedup.redis.internal;

import java.time.Duration;

/**
 * A write that fewer replicas acknowledged than {@code RedisStoreConfig.replicaAcks()} asks, within its
 * timeout: the master has it, but a failover now could lose it.
 */
public final class NotReplicatedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotReplicatedException(long acknowledged, int asked, Duration timeout) {
        super("a write was acknowledged by " + acknowledged + " of the " + asked + " replicas asked within " + timeout);
    }
}
