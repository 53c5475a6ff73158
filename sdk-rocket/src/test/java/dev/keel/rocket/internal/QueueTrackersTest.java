package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spi.support.OffsetTracker;
import java.util.List;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

/** What a queue's written offset may say: never past a message not yet handled. */
class QueueTrackersTest {

    private final MessageQueue queue = new MessageQueue("t", "broker-a", 0);
    private final QueueTrackers trackers = new QueueTrackers();

    @Test
    void aPositionGoneBackIntoThePendingMessagesShouldNotWritePastAMessageStillBeingHandled() {
        trackers.received(queue, 10); // its handler still runs
        for (long offset = 11; offset < 20; offset++) {
            trackers.received(queue, offset).acked(offset);
        }
        OffsetTracker before = trackers.received(queue, 20);
        before.acked(20);
        // the broker corrects the pull offset back to 16 (it lost its tail), and 16 comes again, done
        trackers.received(queue, 16).acked(16);

        assertThat(trackers.advanced(List.of(queue)).get(queue)).as("10 is not handled yet").isLessThanOrEqualTo(10L);

        before.acked(10);
        assertThat(trackers.advanced(List.of(queue)).get(queue)).as("once 10 is done").isEqualTo(17L);
    }
}
