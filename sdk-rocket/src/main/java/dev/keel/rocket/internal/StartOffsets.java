package dev.keel.rocket.internal;

import java.util.HashSet;
import java.util.Set;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.store.OffsetStore;
import org.apache.rocketmq.client.consumer.store.ReadOffsetType;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Where a new broadcast instance starts: at the end of each queue of its topic as it is when the
 * subscription starts. The client's own {@code CONSUME_FROM_LAST_OFFSET} reads a queue's end only
 * when it first pulls it, after its first rebalance, and so skipped what was published in between;
 * here each queue the instance has no offset for gets its end offset written to the instance's
 * local offset file before the subscription reports itself started. The rebalance reads offsets
 * from that file (it drops the ones it holds in memory first), so the pull starts there.
 */
final class StartOffsets {

    private StartOffsets() {
    }

    /** Writes the end offset of every queue of {@code topic} that {@code consumer} has no offset for. */
    static void atEndOfEachNewQueue(DefaultLitePullConsumer consumer, MQClientInstance client, String topic)
            throws MQClientException {
        OffsetStore store = consumer.getOffsetStore();
        Set<MessageQueue> fixed = new HashSet<>();
        for (MessageQueue queue : consumer.fetchMessageQueues(topic)) {
            if (store.readOffset(queue, ReadOffsetType.MEMORY_FIRST_THEN_STORE) < 0) {
                store.updateOffset(queue, client.getMQAdminImpl().maxOffset(queue), false);
                fixed.add(queue);
            }
        }
        store.persistAll(fixed);
    }
}
