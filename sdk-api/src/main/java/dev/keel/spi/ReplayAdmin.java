package dev.keel.spi;

import dev.keel.PartitionRewind;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * An optional ability of a {@link BrokerAdapter} whose broker retains consumed messages: rewinding a
 * consumer group of a topic to a point in time (see {@link Capability#REPLAY}). Check with
 * {@code adapter instanceof ReplayAdmin}. A broker moves a group's positions only while the group
 * has no active member: each method that needs that fails with {@link dev.keel.GroupActiveException}.
 */
public interface ReplayAdmin {

    /**
     * Where the group of {@code topic} is and where a rewind to {@code from} would put it, per
     * partition: the first message stored at or after {@code from} (the end of the partition when
     * none is), never later than where the group is. Changes nothing.
     *
     * @throws dev.keel.TopicNotFoundException when the topic does not exist (checked first, not retriable)
     * @throws dev.keel.GroupActiveException    when the group has active members
     * @throws dev.keel.KeelException           when the broker cannot be reached
     */
    List<PartitionRewind> planRewind(String topic, String group, Instant from);

    /**
     * Reads the ids (as the engine would see them, see {@link dev.keel.spi.support.InboundIds}) of the
     * messages of each range {@code [after, before)} and hands them to {@code ids} in batches. Reads
     * below any consumer group: positions do not move.
     */
    void readIds(String topic, List<PartitionRewind> ranges, Consumer<List<String>> ids);

    /**
     * Moves the group's positions to each rewind's {@code after}.
     *
     * @throws dev.keel.GroupActiveException when the group has active members
     */
    void rewind(String topic, String group, List<PartitionRewind> rewinds);
}
