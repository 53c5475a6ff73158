package dev.keel.rocket.internal;

import dev.keel.PublishReceipt;
import dev.keel.spi.OutboundRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * The sends to one message queue: at most one request in flight, and what arrives meanwhile goes
 * as the next request, in one batch. The broker may store two concurrent requests to one queue in
 * either order, so this is what keeps a key's messages in publish order. Thread-safe.
 */
final class QueueLane {

    /** A batch stays well below RocketMQ's 4 MiB request limit. */
    static final int MAX_BATCH_BYTES = 1024 * 1024;

    /** One message on its way, with the future its publisher waits on. */
    record Pending(OutboundRecord record, Message message, CompletableFuture<PublishReceipt> result, int bytes) {
    }

    private final MessageQueue queue;
    private final int maxBatchMessages;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private boolean inFlight;

    QueueLane(MessageQueue queue, int maxBatchMessages) {
        this.queue = queue;
        this.maxBatchMessages = maxBatchMessages;
    }

    MessageQueue queue() {
        return queue;
    }

    /** Adds {@code pending}; returns the batch to send now, or {@code null} when a request is in flight. */
    synchronized List<Pending> add(Pending pending) {
        waiting.addLast(pending);
        if (inFlight) {
            return null;
        }
        inFlight = true;
        return drain();
    }

    /** The request in flight finished: the next batch to send, or {@code null} when nothing waits. */
    synchronized List<Pending> next() {
        if (waiting.isEmpty()) {
            inFlight = false;
            return null;
        }
        return drain();
    }

    /** Removes everything waiting (the producer closes). */
    synchronized List<Pending> clear() {
        List<Pending> left = new ArrayList<>(waiting);
        waiting.clear();
        return left;
    }

    private List<Pending> drain() {
        List<Pending> batch = new ArrayList<>();
        int bytes = 0;
        while (!waiting.isEmpty() && batch.size() < maxBatchMessages) {
            Pending head = waiting.peekFirst();
            if (!batch.isEmpty() && bytes + head.bytes() > MAX_BATCH_BYTES) {
                break;
            }
            batch.add(waiting.pollFirst());
            bytes += head.bytes();
        }
        return batch;
    }
}
