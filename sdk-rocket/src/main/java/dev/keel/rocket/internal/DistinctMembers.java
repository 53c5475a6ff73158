package dev.keel.rocket.internal;

import java.util.List;
import org.apache.rocketmq.client.consumer.AllocateMessageQueueStrategy;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue allocation over the group's distinct members. A RocketMQ broker lists a member of a group once per
 * connection it holds from it (it keeps the members by connection), so a client that connected again while the broker
 * still held an older connection of it (around a broker restart, or connections cut) is listed twice until the broker
 * drops the older one as idle, up to two minutes later. RocketMQ's allocations then hand the second listing's share
 * to no one: one member listed twice over two queues takes one, and the other queue is consumed by nobody meanwhile.
 * Keel's clients have ids of their own ({@link ClientNames}), so each distinct id is one member.
 */
final class DistinctMembers implements AllocateMessageQueueStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(DistinctMembers.class);

    private final AllocateMessageQueueStrategy strategy;

    private DistinctMembers(AllocateMessageQueueStrategy strategy) {
        this.strategy = strategy;
    }

    /** {@code strategy}, given each member once. */
    static AllocateMessageQueueStrategy of(AllocateMessageQueueStrategy strategy) {
        return new DistinctMembers(strategy);
    }

    @Override
    public List<MessageQueue> allocate(String group, String currentCid, List<MessageQueue> all,
                                       List<String> members) {
        List<String> distinct = members == null ? null : members.stream().distinct().toList();
        if (distinct != null && distinct.size() < members.size()) {
            LOG.debug("RocketMQ group {}: the broker lists {} members, {} of them distinct (a member's older "
                    + "connection not dropped yet); allocating the {} queue(s) over the distinct ones", group,
                    members.size(), distinct.size(), all == null ? 0 : all.size());
        }
        return strategy.allocate(group, currentCid, all, distinct);
    }

    @Override
    public String getName() {
        return strategy.getName();
    }
}
