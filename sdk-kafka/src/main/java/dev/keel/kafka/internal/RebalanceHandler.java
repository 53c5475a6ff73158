package dev.keel.kafka.internal;

import dev.keel.spi.DeliverySink;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands partitions over cleanly in a rebalance, on the poll thread: before giving partitions up
 * it lets the engine finish or drop their in-flight work ({@link DeliverySink#revoke}, waited for
 * up to the revoke bound plus a margin), commits what was acknowledged, then forgets them. Lost
 * partitions (the group moved on without us) are dropped without a commit. On assignment it reads
 * what the partitions' last commits recorded as done above their offsets, so that work is skipped.
 */
final class RebalanceHandler implements ConsumerRebalanceListener {

    /** Extra wait beyond the engine's own revoke bound, for its completion to reach us. */
    static final Duration REVOKE_MARGIN = Duration.ofSeconds(2);
    /** How long reading the committed offsets of newly assigned partitions may take. */
    static final Duration COMMITTED_READ_TIMEOUT = Duration.ofSeconds(5);
    /** Reads of the committed offsets a wakeup may interrupt before the handler goes without them. */
    static final int WAKEUP_RETRIES = 3;
    private static final Logger LOG = LoggerFactory.getLogger(RebalanceHandler.class);

    private final Consumer<byte[], byte[]> consumer;
    private final DeliverySink sink;
    private final PartitionTrackers trackers;
    private final Committer committer;
    private final ConsumerSignals signals;
    private final Duration revokeBound;
    private final java.util.function.Consumer<List<Integer>> dropUndelivered;
    private final StartPositions startPositions;

    RebalanceHandler(Consumer<byte[], byte[]> consumer, DeliverySink sink, PartitionTrackers trackers,
                     Committer committer, ConsumerSignals signals, Duration revokeTimeout,
                     java.util.function.Consumer<List<Integer>> dropUndelivered, StartPositions startPositions) {
        this.dropUndelivered = dropUndelivered;
        this.startPositions = startPositions;
        this.consumer = consumer;
        this.sink = sink;
        this.trackers = trackers;
        this.committer = committer;
        this.signals = signals;
        this.revokeBound = revokeTimeout.plus(REVOKE_MARGIN);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        List<Integer> ids = ids(partitions);
        dropUndelivered.accept(ids);
        if (!signals.closing()) {
            awaitEngine(ids);
        }
        committer.commitSync(ids);
        trackers.remove(ids);
        LOG.debug("Gave up partitions {}", ids);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        List<Integer> ids = ids(partitions);
        dropUndelivered.accept(ids);
        if (!signals.closing()) {
            awaitEngine(ids);
        }
        boolean uncommitted = signals.closing() && !trackers.toCommit(ids).isEmpty();
        trackers.remove(ids);
        if (signals.closing()) {
            // the group rebalancing, or this member fenced, as it left: Kafka calls the partitions lost
            if (uncommitted) {
                LOG.warn("Partitions {} left at the close without their last commit (the group was rebalancing, or had "
                        + "fenced this member); what was handled since the last commit goes to their next owner", ids);
            } else {
                LOG.debug("Partitions {} left at the close, everything acknowledged committed", ids);
            }
        } else {
            LOG.warn("Lost partitions {} (the group moved on); their unacknowledged records go to the new owner", ids);
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        if (signals.pauseWanted()) {
            consumer.pause(partitions);
        }
        startPositions.apply(consumer, partitions, readDoneBefore(partitions));
        LOG.debug("Assigned partitions {}", ids(partitions));
    }

    /**
     * Reads what the last commits recorded as done above their offsets; without it that work just runs again.
     * Returns the committed offsets read, or null if they could not be read.
     */
    private Map<TopicPartition, OffsetAndMetadata> readDoneBefore(Collection<TopicPartition> partitions) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = committed(partitions);
            for (TopicPartition partition : partitions) {
                trackers.assigned(partition.partition(), committed.get(partition));
            }
            return committed;
        } catch (KafkaException e) {
            LOG.debug("Could not read the committed metadata of {}; work done above the committed offsets runs "
                    + "again: {}", ids(partitions), e.toString());
            return null;
        }
    }

    /**
     * The partitions' committed offsets, read again after a wakeup: the engine wakes the consumer up when it may fetch
     * again ({@code resume}), also while this callback runs, and that wakeup is no reason to go without them (it
     * would have the previous owner's finished work run again, and a consumer starting at the end skip records). Not
     * read again once the consumer is closing: that wakeup is the close's.
     */
    private Map<TopicPartition, OffsetAndMetadata> committed(Collection<TopicPartition> partitions) {
        for (int attempt = 1; ; attempt++) {
            try {
                return consumer.committed(new HashSet<>(partitions), COMMITTED_READ_TIMEOUT);
            } catch (WakeupException e) {
                if (attempt >= WAKEUP_RETRIES || signals.aborted() || signals.closing()) {
                    throw e;
                }
            }
        }
    }

    private void awaitEngine(List<Integer> ids) {
        List<String> names = ids.stream().map(String::valueOf).toList();
        try {
            sink.revoke(names).toCompletableFuture().get(revokeBound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("In-flight work of revoked partitions {} did not finish within {}; committing what was "
                    + "acknowledged, the rest is redelivered to the new owner", ids, revokeBound);
        } catch (ExecutionException e) {
            LOG.warn("Revoking partitions {} failed in the engine ({}); committing what was acknowledged", ids,
                    e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("Revoking partitions {} failed in the engine ({}); committing what was acknowledged", ids,
                    e.toString());
        }
    }

    private static List<Integer> ids(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).sorted().toList();
    }
}
