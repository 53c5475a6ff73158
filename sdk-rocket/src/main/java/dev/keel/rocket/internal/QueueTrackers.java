package dev.keel.rocket.internal;

import dev.keel.spi.support.OffsetTracker;
import dev.keel.spi.support.RewindFloors;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * The acknowledgement state of the queues one consumer owns: an {@link OffsetTracker} per queue
 * (acks arrive from any thread) and the offset last written for each (under this object's lock, which
 * the consumer holds while it writes offsets).
 * A queue's tracker is dropped when the queue is taken away: acks that still reach the old tracker
 * change nothing that will be committed.
 */
final class QueueTrackers {

    private final Map<MessageQueue, OffsetTracker> trackers = new ConcurrentHashMap<>();
    private final Map<MessageQueue, Long> written = new HashMap<>();
    /**
     * A queue's trackers from before its position went back into the middle of the messages still pending (the broker
     * corrected an illegal offset after losing its tail, an offset reset): while one holds messages not yet
     * acknowledged, the queue's offset is not written past its committable offset, since those messages' acks reach
     * only it.
     */
    private final RewindFloors<MessageQueue> floors = new RewindFloors<>();

    /** Registers a message handed to the engine and returns the tracker its ack must reach. */
    OffsetTracker received(MessageQueue queue, long offset) {
        OffsetTracker tracker = trackers.computeIfAbsent(queue, q -> new OffsetTracker(offset));
        try {
            tracker.received(offset);
        } catch (IllegalArgumentException rewound) {
            // the queue came back (reassigned) or its position was reset: start over from here, once a write
            // under way (which holds this lock) is done
            synchronized (this) {
                floors.replaced(queue, tracker);
                tracker = new OffsetTracker(offset);
                tracker.received(offset);
                trackers.put(queue, tracker);
                written.remove(queue);
            }
        }
        return tracker;
    }

    /** The committable offsets that advanced since last written, for {@code queues}. */
    Map<MessageQueue, Long> advanced(Collection<MessageQueue> queues) {
        Map<MessageQueue, Long> offsets = new HashMap<>();
        for (MessageQueue queue : queues) {
            OffsetTracker tracker = trackers.get(queue);
            if (tracker == null) {
                continue;
            }
            long committable = Math.min(tracker.committable(), floors.floor(queue));
            Long last = written.get(queue);
            if (last == null || committable > last) {
                offsets.put(queue, committable);
            }
        }
        return offsets;
    }

    /** The broker confirmed {@code offset} for {@code queue}. */
    void written(MessageQueue queue, long offset) {
        written.put(queue, offset);
    }

    /** Every queue with a tracker. */
    Collection<MessageQueue> queues() {
        return trackers.keySet();
    }

    /** Forgets queues taken away. */
    void remove(Collection<MessageQueue> queues) {
        for (MessageQueue queue : queues) {
            trackers.remove(queue);
            written.remove(queue);
            floors.forget(queue);
        }
    }
}
