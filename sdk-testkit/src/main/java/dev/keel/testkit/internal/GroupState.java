package dev.keel.testkit.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One consumer group on one topic: its live members in join order, which member owns which
 * partition, the committed offset per partition, and how often each offset was delivered (for
 * {@code deliveryCount}). Guarded by the broker lock.
 */
final class GroupState {

    private final String name;
    private final TopicLog log;
    private final List<ConsumerSession> members = new ArrayList<>();
    private final Map<Integer, ConsumerSession> owners = new HashMap<>();
    private final Map<Integer, Long> committed = new HashMap<>();
    private final Map<Integer, Long> deliveredUpTo = new HashMap<>();
    private final Map<Integer, Map<Long, Integer>> redeliveries = new HashMap<>();

    GroupState(String name, TopicLog log) {
        this.name = name;
        this.log = log;
    }

    String name() {
        return name;
    }

    TopicLog log() {
        return log;
    }

    void join(ConsumerSession member) {
        members.add(member);
    }

    void leave(ConsumerSession member) {
        members.remove(member);
    }

    /** The live members, in join order. */
    List<ConsumerSession> members() {
        return List.copyOf(members);
    }

    ConsumerSession owner(int partition) {
        return owners.get(partition);
    }

    void own(int partition, ConsumerSession member) {
        owners.put(partition, member);
    }

    void disown(int partition, ConsumerSession member) {
        owners.remove(partition, member);
    }

    long committed(int partition) {
        return committed.getOrDefault(partition, 0L);
    }

    void commit(int partition, long offset) {
        committed.put(partition, offset);
    }

    /** Every partition's committed offset (0 where nothing was committed). */
    Map<Integer, Long> committedOffsets() {
        Map<Integer, Long> all = new TreeMap<>();
        for (int p = 0; p < log.partitionCount(); p++) {
            all.put(p, committed(p));
        }
        return all;
    }

    /** Counts one more delivery of {@code offset} to this group and returns how many there were. */
    int countDelivery(int partition, long offset) {
        long upTo = deliveredUpTo.getOrDefault(partition, 0L);
        if (offset >= upTo) {
            deliveredUpTo.put(partition, offset + 1);
            return 1;
        }
        return redeliveries.computeIfAbsent(partition, p -> new HashMap<>()).merge(offset, 2, (a, b) -> a + 1);
    }
}
