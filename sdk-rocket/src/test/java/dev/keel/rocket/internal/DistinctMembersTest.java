package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.rocketmq.client.consumer.AllocateMessageQueueStrategy;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

/**
 * A member the broker lists twice (once per connection it still holds from it, as RocketTlsFaultsTest saw after a
 * broker restart: {@code cidAllSize=2} for one consumer) gets every queue, not half of them.
 */
class DistinctMembersTest {

    private static final String MEMBER = "192.0.2.2@keel-consumer-1";
    private static final List<MessageQueue> QUEUES = List.of(new MessageQueue("orders", "broker-a", 0),
            new MessageQueue("orders", "broker-a", 1));

    @Test
    void rocketMqsAveragingShouldLeaveTheShareOfASecondListingToNoOne() {
        // what DistinctMembers is for: the client's own strategy, given the broker's list as is
        assertThat(new AllocateMessageQueueAveragely().allocate("g", MEMBER, QUEUES, List.of(MEMBER, MEMBER)))
                .containsExactly(QUEUES.get(0));
    }

    @Test
    void aMemberListedTwiceShouldBeAllocatedEveryQueue() {
        AllocateMessageQueueStrategy distinct = DistinctMembers.of(new AllocateMessageQueueAveragely());

        assertThat(distinct.allocate("g", MEMBER, QUEUES, List.of(MEMBER, MEMBER))).containsExactlyElementsOf(QUEUES);
    }

    @Test
    void distinctMembersShouldShareTheQueuesAsBefore() {
        AllocateMessageQueueStrategy distinct = DistinctMembers.of(new AllocateMessageQueueAveragely());
        List<String> members = List.of(MEMBER, "192.0.2.2@keel-consumer-2", "192.0.2.2@keel-consumer-2");

        assertThat(distinct.allocate("g", MEMBER, QUEUES, members)).containsExactly(QUEUES.get(0));
        assertThat(distinct.allocate("g", "192.0.2.2@keel-consumer-2", QUEUES, members))
                .containsExactly(QUEUES.get(1));
        assertThat(distinct.getName()).isEqualTo("AVG");
    }
}
