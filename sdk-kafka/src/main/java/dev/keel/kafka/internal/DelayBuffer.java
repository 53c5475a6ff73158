package dev.keel.kafka.internal;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of one delay-topic partition that were polled and not yet committed, in offset order,
 * and those not yet forwarded, by due time: any due record is forwarded (not only the head, so a
 * short delay published after a long one is not held up), and the partition is committed only up to
 * the first record whose forward is not confirmed. Used by the forwarder's poll thread only.
 */
final class DelayBuffer {

    /** Records buffered per partition before the partition is paused. */
    static final int MAX_BUFFERED = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(DelayBuffer.class);

    private static final class Entry {
        final ConsumerRecord<byte[], byte[]> record;
        final long due;
        CompletableFuture<Void> sent;

        Entry(ConsumerRecord<byte[], byte[]> record, long due) {
            this.record = record;
            this.due = due;
        }
    }

    private final ArrayDeque<Entry> byOffset = new ArrayDeque<>();
    private final PriorityQueue<Entry> byDue = new PriorityQueue<>(Comparator.comparingLong((Entry e) -> e.due));

    void add(ConsumerRecord<byte[], byte[]> record, long due) {
        Entry entry = new Entry(record, due);
        byOffset.addLast(entry);
        byDue.add(entry);
    }

    /** Forwards every record due at {@code now}. */
    void forwardDue(long now, Function<ConsumerRecord<byte[], byte[]>, CompletableFuture<Void>> forward) {
        while (!byDue.isEmpty() && byDue.peek().due <= now) {
            Entry entry = byDue.poll();
            entry.sent = forward.apply(entry.record);
        }
    }

    /**
     * Drops the confirmed records at the front; a failed forward there is queued again (due now).
     * Returns the offset to commit, or -1 when nothing new is confirmed.
     */
    long settle() {
        long commit = -1;
        while (!byOffset.isEmpty()) {
            Entry head = byOffset.peekFirst();
            if (head.sent == null || !head.sent.isDone()) {
                break;
            }
            if (head.sent.isCompletedExceptionally()) {
                LOG.warn("Forwarding a delayed record of {} (offset {}) failed; it is forwarded again",
                        head.record.topic(), head.record.offset());
                head.sent = null;
                byDue.add(head);
                break;
            }
            byOffset.pollFirst();
            commit = head.record.offset() + 1;
        }
        return commit;
    }

    /** When the next waiting record is due, epoch millis; {@code Long.MAX_VALUE} when none waits. */
    long nextDue() {
        return byDue.isEmpty() ? Long.MAX_VALUE : byDue.peek().due;
    }

    boolean isFull() {
        return byOffset.size() >= MAX_BUFFERED;
    }
}
