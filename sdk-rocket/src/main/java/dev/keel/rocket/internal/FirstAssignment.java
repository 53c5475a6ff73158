package dev.keel.rocket.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.AllocateMessageQueueStrategy;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Whether a consumer's client has made its first assignment of queues. A lite pull consumer pulls
 * nothing before its first rebalance, which the client runs when a broker tells it that its group
 * changed (after the client's first heartbeat, a second after it started; brokers tell broadcast
 * consumers nothing) or else after its rebalance period (20 s). So a consumer starts by announcing
 * itself and asking for a rebalance, and waits here until one happened. It has when the client calls
 * the queue-change listener (it assigned queues, or found that the topic has none), or when its
 * allocation, made with this client among the group's members, gave this client no queue (then no
 * listener call follows).
 */
final class FirstAssignment {

    private final CountDownLatch made = new CountDownLatch(1);

    /** The client's queue-change listener was called. */
    void queuesChanged() {
        made.countDown();
    }

    /** {@code strategy}, also counting an allocation of no queue to a client that is a member as made. */
    AllocateMessageQueueStrategy counting(AllocateMessageQueueStrategy strategy) {
        return new AllocateMessageQueueStrategy() {
            @Override
            public List<MessageQueue> allocate(String group, String currentCid, List<MessageQueue> all,
                                               List<String> members) {
                List<MessageQueue> result = strategy.allocate(group, currentCid, all, members);
                if ((result == null || result.isEmpty()) && members.contains(currentCid)) {
                    made.countDown();
                }
                return result;
            }

            @Override
            public String getName() {
                return strategy.getName();
            }
        };
    }

    /** Waits until the first assignment was made, for at most {@code bound}; false if it was not. */
    boolean await(Duration bound) throws InterruptedException {
        return made.await(bound.toMillis(), TimeUnit.MILLISECONDS);
    }
}
