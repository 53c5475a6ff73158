package dev.keel.kafka.internal;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * One delay-topic partition's records from its first not yet forwarded one on: those waiting, by when they are due
 * (or due again), and which are done. Any due record is forwarded, not only the oldest, so a short delay published
 * after a long one is not held up; a failed forward is retried on its own after a backoff (100 ms, doubling up to
 * 5 s), wherever it is in the partition; a forward the topic refuses for good
 * ({@link SendErrors#refusesRecordForGood}) goes to the dead letters instead, and one the dead-letter topic refuses
 * as too large goes there without its payload. A record is done once its forward or dead letter is acknowledged.
 * The commit is the first offset not done, and its metadata ({@link ForwardedOffsets}) says which offsets after it
 * are done, so that the partition's next owner (a restart, a rebalance) does not forward them again; what a previous
 * owner recorded so is skipped here. Used by the forwarder's poll thread only (send outcomes are handed over
 * through a queue).
 */
final class DelayBuffer {

    /** Offsets from the first not yet done one before the partition is paused. */
    static final int MAX_BUFFERED = 10_000;
    static final long FIRST_RETRY_MILLIS = 100;
    static final long MAX_RETRY_MILLIS = 5_000;

    /** Sends a record's forward or dead letter; a failure may also be thrown. */
    interface Sender {
        CompletableFuture<Void> forward(ConsumerRecord<byte[], byte[]> record);

        /** The record's dead letter; {@code truncated}: without its payload and application headers. */
        CompletableFuture<Void> deadLetter(ConsumerRecord<byte[], byte[]> record, Throwable cause, int attempts,
                                           boolean truncated);
    }

    /** What happened to the partition's sends, for the log. */
    interface Outcomes {
        void retrying(ConsumerRecord<byte[], byte[]> record, Throwable failure, long backoffMillis);

        void refused(ConsumerRecord<byte[], byte[]> record, Throwable cause);

        void deadLettered(ConsumerRecord<byte[], byte[]> record, boolean truncated);

        /** The topic refused the forward for good ({@code refusal}), and the dead-letter topic its dead letter. */
        void deadLetterRefused(ConsumerRecord<byte[], byte[]> record, Throwable refusal, Throwable failure);
    }

    private static final class Entry {
        final ConsumerRecord<byte[], byte[]> record;
        long notBefore;
        int failures;
        /** Set once the topic refused the forward for good: the dead letter is sent instead. */
        Throwable refusal;
        int forwardAttempts;
        boolean truncated;
        /** The last send's failure (null: acknowledged), written before the entry is queued as completed. */
        Throwable failure;

        Entry(ConsumerRecord<byte[], byte[]> record, long due) {
            this.record = record;
            this.notBefore = due;
        }

        long offset() {
            return record.offset();
        }
    }

    private final ForwardedOffsets inherited;
    /** Records polled and not done, by offset. */
    private final TreeMap<Long, Entry> open = new TreeMap<>();
    private final PriorityQueue<Entry> waiting = new PriorityQueue<>(
            Comparator.comparingLong((Entry e) -> e.notBefore).thenComparingLong(Entry::offset));
    private final ConcurrentLinkedQueue<Entry> completed = new ConcurrentLinkedQueue<>();
    /** One past the last offset polled (or the committed offset before any); -1 while unknown. */
    private long end;
    private OffsetAndMetadata requested;
    private boolean changed;

    /**
     * @param committed the partition's committed offset and metadata when it was assigned (null: none)
     */
    DelayBuffer(OffsetAndMetadata committed) {
        this.end = committed == null ? -1 : committed.offset();
        this.inherited = committed == null ? ForwardedOffsets.NONE
                : ForwardedOffsets.parse(committed.offset(), committed.metadata());
        this.requested = committed;
    }

    /** Takes a polled record; one a previous owner recorded as forwarded is skipped, as is one seen already. */
    void add(ConsumerRecord<byte[], byte[]> record, long due) {
        long offset = record.offset();
        if (end >= 0 && offset < end) {
            return;
        }
        end = offset + 1;
        changed = true;
        if (inherited.done(offset)) {
            return;
        }
        Entry entry = new Entry(record, due);
        open.put(offset, entry);
        waiting.add(entry);
    }

    /** Sends every forward or dead letter due at {@code now}. */
    void forwardDue(long now, Sender sender) {
        while (!waiting.isEmpty() && waiting.peek().notBefore <= now) {
            Entry entry = waiting.poll();
            CompletableFuture<Void> sent;
            try {
                if (entry.refusal == null) {
                    entry.forwardAttempts++;
                    sent = sender.forward(entry.record);
                } else {
                    sent = sender.deadLetter(entry.record, entry.refusal, entry.forwardAttempts, entry.truncated);
                }
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((ok, error) -> {
                entry.failure = unwrap(error);
                completed.add(entry);
            });
        }
    }

    /** Takes the outcomes of the sends that completed: done, refused for good, or to be retried after a backoff. */
    void settle(long now, Outcomes outcomes) {
        Entry entry;
        while ((entry = completed.poll()) != null) {
            Throwable failure = entry.failure;
            if (failure == null) {
                open.remove(entry.offset());
                changed = true;
                if (entry.refusal != null) {
                    outcomes.deadLettered(entry.record, entry.truncated);
                }
            } else if (entry.refusal == null && SendErrors.refusesRecordForGood(failure)) {
                entry.refusal = failure;
                entry.notBefore = now;
                waiting.add(entry);
                outcomes.refused(entry.record, failure);
            } else if (entry.refusal != null && !entry.truncated && SendErrors.isTooLarge(failure)) {
                entry.truncated = true;
                entry.notBefore = now;
                waiting.add(entry);
            } else if (entry.refusal != null && SendErrors.refusesRecordForGood(failure)) {
                // the dead-letter topic refuses it for good too (its truncated copy, or not for its size): sending
                // it again changes nothing, and it would hold the partition's commit for ever
                open.remove(entry.offset());
                changed = true;
                outcomes.deadLetterRefused(entry.record, entry.refusal, failure);
            } else {
                long backoff = backoff(++entry.failures);
                entry.notBefore = now + backoff;
                waiting.add(entry);
                outcomes.retrying(entry.record, failure, backoff);
            }
        }
    }

    /**
     * The commit to request: the first offset not done, with what is done after it, at most {@code budget}
     * characters of metadata; null when it is what was requested last, or nothing is known yet.
     */
    OffsetAndMetadata commit(int budget) {
        if (!changed) {
            return null;
        }
        changed = false;
        OffsetAndMetadata next = current(budget);
        if (next == null || next.equals(requested)) {
            return null;
        }
        requested = next;
        return next;
    }

    /** The commit of what is done now, whatever was requested before (when the partition is given up). */
    OffsetAndMetadata current(int budget) {
        if (end < 0) {
            return null;
        }
        long offset = open.isEmpty() ? end : open.firstKey();
        long known = Math.max(end, inherited.end());
        String metadata = known <= offset ? ""
                : ForwardedOffsets.of(offset, known, pending()).toMetadata(budget);
        return new OffsetAndMetadata(offset, metadata);
    }

    /** A commit requested of this buffer failed: it is requested again. */
    void commitFailed(OffsetAndMetadata failed) {
        if (failed.equals(requested)) {
            requested = null;
            changed = true;
        }
    }

    /** When the next send is due, epoch millis; {@code Long.MAX_VALUE} when none waits. */
    long nextDue() {
        return waiting.isEmpty() ? Long.MAX_VALUE : waiting.peek().notBefore;
    }

    /** Whether {@link #MAX_BUFFERED} offsets are held from the first not done: the partition is paused then. */
    boolean isFull() {
        return !open.isEmpty() && end - open.firstKey() >= MAX_BUFFERED;
    }

    static long backoff(int failures) {
        return failures >= 7 ? MAX_RETRY_MILLIS : Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << (failures - 1));
    }

    /** The offsets not done, as ascending start, end pairs: own open records, then the inherited ones beyond. */
    private long[] pending() {
        long[] ranges = new long[16];
        int n = 0;
        for (Map.Entry<Long, Entry> e : open.entrySet()) {
            long offset = e.getKey();
            if (n > 0 && ranges[n - 1] == offset) {
                ranges[n - 1] = offset + 1;
                continue;
            }
            if (n + 2 > ranges.length) {
                ranges = Arrays.copyOf(ranges, ranges.length * 2);
            }
            ranges[n++] = offset;
            ranges[n++] = offset + 1;
        }
        long[] beyond = inherited.pendingFrom(end);
        long[] all = Arrays.copyOf(ranges, n + beyond.length);
        System.arraycopy(beyond, 0, all, n, beyond.length);
        return all;
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
