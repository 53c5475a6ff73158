package dev.keel.testkit.internal;

import dev.keel.spi.support.InboundIds;
import dev.keel.spi.support.KeyHash;
import dev.keel.spi.OutboundRecord;
import dev.keel.testkit.StoredRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The append-only partition logs of one topic. A keyed record goes to partition
 * {@link KeyHash#laneOf(String, int)}; a record without a key goes round-robin. Guarded by the
 * broker lock.
 */
final class TopicLog {

    private final String name;
    private final int replicationFactor;
    private final int minInSyncReplicas;
    private final List<List<StoredRecord>> partitions = new ArrayList<>();
    private long roundRobin;

    TopicLog(String name, int partitionCount, int replicationFactor, int minInSyncReplicas) {
        this.name = name;
        this.replicationFactor = replicationFactor;
        this.minInSyncReplicas = minInSyncReplicas;
        grow(partitionCount);
    }

    String name() {
        return name;
    }

    /** As declared: the in-memory broker keeps one copy whatever it says. */
    int replicationFactor() {
        return replicationFactor;
    }

    int minInSyncReplicas() {
        return minInSyncReplicas;
    }

    int partitionCount() {
        return partitions.size();
    }

    /** Adds partitions up to {@code partitionCount}; never removes any. Returns whether it grew. */
    boolean grow(int partitionCount) {
        boolean grew = false;
        while (partitions.size() < partitionCount) {
            partitions.add(new ArrayList<>());
            grew = true;
        }
        return grew;
    }

    int route(String key) {
        int count = partitions.size();
        return key != null ? KeyHash.laneOf(key, count) : (int) (roundRobin++ % count);
    }

    StoredRecord append(int partition, OutboundRecord record) {
        List<StoredRecord> log = partitions.get(partition);
        long offset = log.size();
        String id = InboundIds.idOf(record.headers(), StoredRecord.nativeId(name, partition, offset));
        StoredRecord stored = new StoredRecord(name, partition, offset, id, record.key(), record.headers(),
                record.payload().clone(), record.timestamp());
        log.add(stored);
        return stored;
    }

    /** Appends a copy of {@code original} (same headers, hence the same Keel id) at the end of its partition. */
    StoredRecord appendCopy(StoredRecord original) {
        List<StoredRecord> log = partitions.get(original.partition());
        long offset = log.size();
        String id = InboundIds.idOf(original.headers(), StoredRecord.nativeId(name, original.partition(), offset));
        StoredRecord copy = new StoredRecord(name, original.partition(), offset, id, original.key(), original.headers(),
                original.payload(), original.timestamp());
        log.add(copy);
        return copy;
    }

    long endOffset(int partition) {
        return partitions.get(partition).size();
    }

    StoredRecord get(int partition, long offset) {
        if (partition < 0 || partition >= partitions.size()) {
            throw new IllegalArgumentException("topic '" + name + "' has no partition " + partition);
        }
        List<StoredRecord> log = partitions.get(partition);
        if (offset < 0 || offset >= log.size()) {
            throw new IllegalArgumentException("partition " + name + "-" + partition + " has no offset " + offset
                    + " (end offset " + log.size() + ")");
        }
        return log.get((int) offset);
    }

    List<StoredRecord> all() {
        List<StoredRecord> all = new ArrayList<>();
        for (List<StoredRecord> log : partitions) {
            all.addAll(log);
        }
        return all;
    }
}
