package dev.keel.core.internal;

import dev.keel.PartitionRewind;
import dev.keel.ReplayResult;
import dev.keel.TopicSpec;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.spi.ReplayAdmin;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewinds a group to a time through the adapter's {@link ReplayAdmin}, and for a reprocess first
 * forgets the group's done marks of the replayed range, so that range runs again.
 */
public final class Replays {

    private static final Logger LOG = LoggerFactory.getLogger(Replays.class);
    /** Ids forgotten per store call. */
    static final int FORGET_BATCH = 500;

    private Replays() {
    }

    /**
     * Rewinds {@code group} of {@code topic} to {@code from}; with {@code reprocess}, first forgets
     * the done marks of the messages between the new and the old positions.
     *
     * @param store null when Keel has none (then reprocess is refused)
     */
    public static ReplayResult replay(BrokerAdapter adapter, IdempotencyStore store, String topic, String group,
                                      Instant from, boolean reprocess) {
        Objects.requireNonNull(from, "from");
        if (!TopicSpec.isValidName(topic) || !TopicSpec.isValidName(group)) {
            throw new IllegalArgumentException("topic and group must be 1-200 characters of [A-Za-z0-9._-], were '"
                    + topic + "' and '" + group + "'");
        }
        if (!(adapter instanceof ReplayAdmin admin) || !adapter.capabilities().contains(Capability.REPLAY)) {
            throw new UnsupportedOperationException(adapter.getClass().getSimpleName() + " does not offer replay "
                    + "(Capability.REPLAY; RabbitMQ queues do not keep consumed messages): see docs/capabilities.md");
        }
        if (reprocess && store == null) {
            throw new IllegalStateException("reprocess forgets done marks in the idempotency store, and this Keel "
                    + "was built withoutIdempotencyStore(): replay without reprocess, or build it with a store");
        }
        List<PartitionRewind> plan = admin.planRewind(topic, group, from);
        int forgotten = reprocess ? forget(admin, store, topic, group, plan) : 0;
        admin.rewind(topic, group, plan);
        ReplayResult result = new ReplayResult(topic, group, from, plan, forgotten);
        LOG.info("group '{}' of topic '{}' rewound to {}: {} messages to read again, {} done marks forgotten", group,
                topic, from, result.messages(), forgotten);
        return result;
    }

    private static int forget(ReplayAdmin admin, IdempotencyStore store, String topic, String group,
                              List<PartitionRewind> plan) {
        String namespace = StoreAccess.namespaceOf(group, topic);
        AtomicInteger forgotten = new AtomicInteger();
        admin.readIds(topic, plan, ids -> {
            for (int i = 0; i < ids.size(); i += FORGET_BATCH) {
                forgotten.addAndGet(store.forgetAll(namespace, ids.subList(i, Math.min(ids.size(), i + FORGET_BATCH))));
            }
        });
        return forgotten.get();
    }
}
