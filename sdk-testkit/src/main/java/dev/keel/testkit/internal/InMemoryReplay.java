package dev.keel.testkit.internal;

import dev.keel.GroupActiveException;
import dev.keel.PartitionRewind;
import dev.keel.TopicNotFoundException;
import dev.keel.testkit.StoredRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Replay on the in-memory broker: its logs keep every record, so a group can go back to any time. */
final class InMemoryReplay {

    private final BrokerState broker;

    InMemoryReplay(BrokerState broker) {
        this.broker = broker;
    }

    List<PartitionRewind> planRewind(String topic, String group, Instant from) {
        broker.lock().lock();
        try {
            GroupState state = idle(topic, group);
            TopicLog log = state.log();
            List<PartitionRewind> plan = new ArrayList<>();
            for (int p = 0; p < log.partitionCount(); p++) {
                long end = log.endOffset(p);
                long before = Math.min(state.committed(p), end);
                long after = before;
                for (long offset = 0; offset < before; offset++) {
                    if (!log.get(p, offset).timestamp().isBefore(from)) {
                        after = offset;
                        break;
                    }
                }
                plan.add(new PartitionRewind(Integer.toString(p), before, after));
            }
            return plan;
        } finally {
            broker.lock().unlock();
        }
    }

    void readIds(String topic, List<PartitionRewind> ranges, Consumer<List<String>> ids) {
        List<String> batch = new ArrayList<>();
        broker.lock().lock();
        try {
            TopicLog log = existing(topic);
            for (PartitionRewind range : ranges) {
                int p = Integer.parseInt(range.partition());
                for (long offset = range.after(); offset < range.before(); offset++) {
                    StoredRecord r = log.get(p, offset);
                    batch.add(r.id());
                }
            }
        } finally {
            broker.lock().unlock();
        }
        ids.accept(batch);
    }

    void rewind(String topic, String group, List<PartitionRewind> rewinds) {
        broker.lock().lock();
        try {
            GroupState state = idle(topic, group);
            for (PartitionRewind rewind : rewinds) {
                state.commit(Integer.parseInt(rewind.partition()), rewind.after());
            }
        } finally {
            broker.lock().unlock();
        }
    }

    private GroupState idle(String topic, String group) {
        existing(topic);
        GroupState state = broker.groupOf(topic, group);
        if (!state.members().isEmpty()) {
            throw new GroupActiveException(topic, group, state.members().size());
        }
        return state;
    }

    private TopicLog existing(String topic) {
        TopicLog log = broker.log(topic);
        if (log == null) {
            throw new TopicNotFoundException(topic, "topic '" + topic + "' does not exist on the in-memory broker: "
                    + "nothing to replay; check the topic's name (retrying cannot help)");
        }
        return log;
    }
}
