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

    /** A batch stays well below RocketMQ's 4 MiB request limit (by encoded size, properties included). */
    static final int MAX_BATCH_BYTES = 1024 * 1024;

    /** One message on its way, with the future its publisher waits on. */
    record Pending(OutboundRecord record, Message message, CompletableFuture<PublishReceipt> result, int bytes) {
    }

    private final MessageQueue queue;
    private final int maxBatchMessages;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private boolean inFlight;
    /** How many of the first waiting messages go one per request (a batch of them was refused). */
    private int singles;

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

    /**
     * Puts a batch the client or broker refused as a whole back in front, to go one message per
     * request, so only the message(s) at fault fail. Call while the batch's request is in flight,
     * then {@link #next()}.
     */
    synchronized void requeueSingly(List<Pending> batch) {
        for (int i = batch.size() - 1; i >= 0; i--) {
            waiting.addFirst(batch.get(i));
        }
        singles += batch.size();
    }

    /** Nothing in flight and nothing waiting: the lane holds no state worth keeping. */
    synchronized boolean idle() {
        return !inFlight && waiting.isEmpty();
    }

    /** Removes everything waiting (the producer closes, or what waits must not overtake a failure). */
    synchronized List<Pending> clear() {
        List<Pending> left = new ArrayList<>(waiting);
        waiting.clear();
        singles = 0;
        return left;
    }

    private List<Pending> drain() {
        if (singles > 0 || TimerMessages.alone(waiting.peekFirst().record())) {
            singles = Math.max(0, singles - 1);
            return new ArrayList<>(List.of(waiting.pollFirst()));
        }
        List<Pending> batch = new ArrayList<>();
        int bytes = 0;
        while (!waiting.isEmpty() && batch.size() < maxBatchMessages) {
            Pending head = waiting.peekFirst();
            if (!batch.isEmpty() && (bytes + head.bytes() > MAX_BATCH_BYTES || TimerMessages.alone(head.record()))) {
                break;
            }
            batch.add(waiting.pollFirst());
            bytes += head.bytes();
        }
        return batch;
    }
}
