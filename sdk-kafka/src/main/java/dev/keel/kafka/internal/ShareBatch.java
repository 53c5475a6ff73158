package dev.keel.kafka.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ShareConsumer;

/**
 * The records one share consumer holds: those its polls returned that it has not yet acknowledged to the client.
 * kafka-clients' explicit acknowledgement wants every one of them acknowledged (ACCEPT, RELEASE, or RENEW) before
 * the next poll, and takes an acknowledgement only for a record the last poll returned: a renewed record cannot be
 * acknowledged again until a poll returns it once more. So each record here is either returned (it can be
 * acknowledged now) or renewing (its renewal was sent; a poll will return it). The engine's decision for a record
 * ({@link #decide}) waits here until the record can take it. Only the share consumer's own thread uses it.
 */
final class ShareBatch {

    /** One record held, from its first return until it is acknowledged to the client (or lost). */
    static final class Held {
        private ConsumerRecord<byte[], byte[]> record;
        /** The highest delivery of the record this member was given ({@link #received}); read by other threads. */
        private volatile int deliveryCount;
        private AcknowledgeType decided;
        private boolean renewing;
        private boolean handedOver;

        private Held(ConsumerRecord<byte[], byte[]> record) {
            this.record = record;
            this.deliveryCount = countOf(record);
        }

        private static int countOf(ConsumerRecord<byte[], byte[]> record) {
            return record.deliveryCount().map(Short::intValue).filter(c -> c > 0).orElse(1);
        }

        ConsumerRecord<byte[], byte[]> record() {
            return record;
        }

        /** The broker's count of this delivery (1 for the first). */
        int deliveryCount() {
            return deliveryCount;
        }
    }

    private record Position(int partition, long offset) {
    }

    private final Map<Position, Held> held = new HashMap<>();

    /**
     * Takes what a poll returned: a record held and renewing is returned again (and takes the decision that waited
     * for it); any other is new, and is returned for the engine. A record held and returned at a later delivery (its
     * lock ran out in the client, the broker delivered it again, even twice in one poll) keeps its place and takes
     * that delivery's count: the broker archives it after that one, not after the count it came with
     * (ShareBatchTest).
     */
    List<Held> received(Iterable<ConsumerRecord<byte[], byte[]>> records) {
        List<Held> fresh = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Position position = new Position(record.partition(), record.offset());
            Held known = held.get(position);
            if (known != null) {
                int count = Held.countOf(record);
                if (count >= known.deliveryCount) {
                    known.record = record;
                    known.deliveryCount = count;
                }
                known.renewing = false;
            } else {
                Held created = new Held(record);
                held.put(position, created);
                fresh.add(created);
            }
        }
        return fresh;
    }

    /**
     * The records held that were not handed to the engine yet and that {@code which} selects, now marked handed over
     * (a consumer holds back what it receives while its subscription is paused).
     */
    List<Held> handOver(Predicate<Held> which) {
        List<Held> out = new ArrayList<>();
        for (Held h : held.values()) {
            if (!h.handedOver && which.test(h)) {
                h.handedOver = true;
                out.add(h);
            }
        }
        return out;
    }

    /** Whether a record held was not handed to the engine yet. */
    boolean holdsBack() {
        return held.values().stream().anyMatch(h -> !h.handedOver);
    }

    /** The engine decided {@code record}'s outcome; ignored when the record is no longer held (acknowledged, lost). */
    void decide(Held record, AcknowledgeType type) {
        Held current = held.get(new Position(record.record.partition(), record.record.offset()));
        if (current == record && record.decided == null) {
            record.decided = type;
        }
    }

    /** Acknowledges every returned record with its decision, and lets them go; how many. */
    int acknowledgeDecided(ShareConsumer<byte[], byte[]> consumer) {
        int acknowledged = 0;
        for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (!h.renewing && h.decided != null) {
                consumer.acknowledge(h.record, h.decided);
                it.remove();
                acknowledged++;
            }
        }
        return acknowledged;
    }

    /** Renews the lock of every returned record not decided yet; how many (they are renewing until returned). */
    int renewUndecided(ShareConsumer<byte[], byte[]> consumer) {
        int renewed = 0;
        for (Held h : held.values()) {
            if (!h.renewing && h.decided == null) {
                consumer.acknowledge(h.record, AcknowledgeType.RENEW);
                h.renewing = true;
                renewed++;
            }
        }
        return renewed;
    }

    /** Releases every returned record not decided yet (a stopping consumer); how many. */
    int releaseUndecided(ShareConsumer<byte[], byte[]> consumer) {
        int released = 0;
        for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (!h.renewing && h.decided == null) {
                consumer.acknowledge(h.record, AcknowledgeType.RELEASE);
                it.remove();
                released++;
            }
        }
        return released;
    }

    /**
     * The records not decided yet at delivery {@code limit} or beyond (released, the broker archives them), as
     * {@code partition-offset}.
     */
    List<String> undecidedAtDelivery(int limit) {
        return held.values().stream().filter(h -> h.decided == null && h.deliveryCount >= limit)
                .map(h -> h.record.partition() + "-" + h.record.offset()).sorted().toList();
    }

    /** Whether a renewed record has not been returned yet. */
    boolean renewing() {
        return held.values().stream().anyMatch(h -> h.renewing);
    }

    /**
     * Lets go of the renewing records of {@code partition} (every partition when negative): their renewal failed
     * or they did not come back, so this consumer can no longer acknowledge them; the broker delivers them again
     * once their lock expires. How many.
     */
    int loseRenewing(int partition) {
        int lost = 0;
        for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (h.renewing && (partition < 0 || h.record.partition() == partition)) {
                it.remove();
                lost++;
            }
        }
        return lost;
    }

    /** Whether every record held is decided and returned, so one acknowledgement round empties the batch. */
    boolean allDecided() {
        return held.values().stream().allMatch(h -> h.decided != null && !h.renewing);
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    int size() {
        return held.size();
    }
}
