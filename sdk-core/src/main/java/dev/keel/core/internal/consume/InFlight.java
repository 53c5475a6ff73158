package dev.keel.core.internal.consume;

import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.claims.Claiming;
import dev.keel.spi.InboundRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The messages a subscription received and has not finished, by partition, and the in-flight slots
 * they take ({@link FlowControl}): each takes one, and its payload's bytes, from its arrival until it finished or
 * was dropped, unless it is parked (neither handled nor dead-lettered yet) and gave its slot back. Dropping a
 * message that never ran gives its claim back too ({@link Claiming#dropped}).
 *
 * <p>A message that finishes only changes its own state and the in-flight count: the lanes never touch the
 * per-partition registers ({@link PartitionWorks}), which the receiving thread appends to, once per partition
 * of each batch, and prunes of finished messages as it goes.
 */
final class InFlight {

    /** What {@link #giveUp} did: how many queued messages it returned to the broker, and the stages of the running ones. */
    record GivenUp(int returned, List<CompletableFuture<Void>> running) {
    }

    private final FlowControl flow;
    private final Claiming claims;
    private final int maxInFlight;
    private final long maxInFlightBytes;
    private final Map<String, PartitionWorks> byPartition = new ConcurrentHashMap<>();
    /**
     * Parked works that gave back their in-flight slot: at most maxInFlight of them, and they stop giving back once
     * their payloads reach maxInFlightBytes, so parking holds bounded memory.
     */
    private final Set<Work> slotsGivenBack = ConcurrentHashMap.newKeySet();
    /** The payload bytes of {@link #slotsGivenBack}. */
    private final AtomicLong bytesGivenBack = new AtomicLong();

    InFlight(FlowControl flow, Claiming claims, int maxInFlight, long maxInFlightBytes) {
        this.flow = flow;
        this.claims = claims;
        this.maxInFlight = maxInFlight;
        this.maxInFlightBytes = maxInFlightBytes;
    }

    /**
     * A work for each record, registered under its partition (once per run of records of one partition), each
     * taking an in-flight slot.
     */
    List<Work> add(List<InboundRecord> records) {
        int n = records.size();
        List<Work> works = new ArrayList<>(n);
        long bytes = 0;
        for (InboundRecord record : records) {
            works.add(new Work(record));
            bytes += record.payloadSize();
        }
        int from = 0;
        while (from < n) {
            String partition = records.get(from).partition();
            int to = from + 1;
            while (to < n && samePartition(records.get(to).partition(), partition)) {
                to++;
            }
            register(partition, works.subList(from, to));
            from = to;
        }
        flow.added(n, bytes);
        return works;
    }

    private static boolean samePartition(String a, String b) {
        return a == b || a.equals(b);
    }

    private void register(String partition, List<Work> works) {
        while (true) {
            PartitionWorks registry = byPartition.get(partition);
            if (registry == null) {
                registry = byPartition.computeIfAbsent(partition, p -> new PartitionWorks());
            }
            if (registry.addAll(works)) {
                return;
            }
            byPartition.remove(partition, registry); // taken by a revoke meanwhile: a fresh one
        }
    }

    /**
     * {@code work} finished (acknowledged, or left for redelivery): it leaves the books (its partition's register
     * drops it later) and its slot, unless given back already, is free.
     */
    void finished(Work work) {
        work.finish();
        if (!work.isParked() || !slotsGivenBack.remove(work)) {
            flow.finished(work.record().payloadSize());
        } else {
            bytesGivenBack.addAndGet(-work.record().payloadSize());
        }
    }

    /**
     * A parked work gives back its in-flight slot, and its payload's bytes, so other keys keep flowing, unless
     * {@code maxInFlight} parked works already did, or parked works gave back {@code maxInFlightBytes} already:
     * then it keeps them, and a subscription whose dead letters all fail ends up paused instead of holding
     * unbounded memory.
     */
    void parked(Work work) {
        int bytes = work.record().payloadSize();
        synchronized (slotsGivenBack) {
            if (slotsGivenBack.size() >= maxInFlight || bytesGivenBack.get() >= maxInFlightBytes) {
                return;
            }
            slotsGivenBack.add(work);
            bytesGivenBack.addAndGet(bytes);
        }
        flow.finished(bytes);
    }

    /** Takes the works of {@code partitions} out of the registry (their partitions were revoked). */
    List<Work> remove(Collection<String> partitions) {
        List<Work> works = new ArrayList<>();
        for (String partition : partitions) {
            PartitionWorks ofPartition = byPartition.remove(partition);
            if (ofPartition != null) {
                works.addAll(ofPartition.takeAll());
            }
        }
        return works;
    }

    /** The works registered and not finished, as of now. */
    Stream<Work> all() {
        return byPartition.values().stream().flatMap(registry -> registry.unfinished().stream());
    }

    /** Messages received and not finished yet (parked ones included). */
    int unacknowledged() {
        int n = 0;
        for (PartitionWorks works : byPartition.values()) {
            n += works.unfinishedCount();
        }
        return n;
    }

    int slotsGivenBack() {
        return slotsGivenBack.size();
    }

    /**
     * Starts none of {@code works} that has not started (each is dropped, unacknowledged, its claim
     * released, for the broker to deliver again) and gives up the started ones at their next step
     * (no further retry, claim or dead-letter round): a handler running now finishes its attempt,
     * and if it succeeds it is marked done and acknowledged. Returns the stages of the started ones,
     * parked ones included: a parked message's attempt that is running now (handled again, under
     * {@code DeadLetterPolicy.none()}, or its dead letter being sent) is waited for like any other, while
     * one waiting for its next attempt or round ends at once, dropped for the broker to deliver again.
     */
    GivenUp giveUp(Collection<Work> works) {
        return giveUp(works, work -> false);
    }

    /**
     * As {@link #giveUp(Collection)}, except for the works {@code kept} selects: they are neither dropped nor given
     * up, but go on (queued ones start in their lanes, a failure is retried or dead-lettered as usual); their stages
     * are returned with the running ones'. A share-group subscription keeps its messages at the broker's last
     * delivery this way at close: handed back, the broker would archive them unread.
     */
    GivenUp giveUp(Collection<Work> works, Predicate<Work> kept) {
        List<CompletableFuture<Void>> running = new ArrayList<>();
        List<Work> dropped = new ArrayList<>();
        List<Work> started = new ArrayList<>();
        // first mark every queued work dropped, and only then give up the started ones and complete the dropped ones:
        // either would let a key's next message start the moment its predecessor ended (a message waiting for a claim
        // ends at once when given up), ahead of its redelivery, were that message not marked dropped already
        for (Work work : works) {
            if (kept.test(work)) {
                if (!work.isParked() && !work.finished().isDone()) {
                    running.add(work.finished());
                }
            } else if (work.markDropped()) {
                dropped.add(work);
            } else {
                started.add(work);
            }
        }
        for (Work work : started) {
            // retried no more, waits for no claim or dead letter: left unacknowledged, its claim released,
            // for the partition's next owner; a handler running now finishes its attempt
            work.abandon();
            if (!work.finished().isDone()) {
                running.add(work.finished());
            }
        }
        for (Work work : dropped) {
            afterDrop(work, true);
            work.completeDropped();
        }
        return new GivenUp(dropped.size(), running);
    }

    /**
     * Drops every work that has not started: its claim is released ({@code release}), or left to
     * expire (a crash, which releases nothing).
     */
    void dropQueued(boolean release) {
        all().forEach(work -> {
            if (work.markDropped()) {
                afterDrop(work, release);
                work.completeDropped();
            }
        });
    }

    /** Gives back a dropped work's in-flight slot and its claim (released, or left to expire). */
    private void afterDrop(Work work, boolean release) {
        flow.finished(work.record().payloadSize());
        claims.dropped(work, release);
    }
}
