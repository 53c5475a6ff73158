package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.support.OffsetTracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll thread of one consumer; the only thread that touches its KafkaConsumer. It applies
 * pause and resume, polls (which also keeps group membership while paused), hands records to the
 * engine, commits acknowledged offsets, and on close commits and leaves the group.
 */
final class PollLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
    private static final long MAX_ERROR_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Consumer<byte[], byte[]> consumer;
    private final DeliverySink sink;
    private final ConsumerSignals signals;
    private final KafkaConfig config;
    private final ConsumerSettings settings;
    private final PartitionTrackers trackers;
    private final Committer committer;
    private final CompletableFuture<Void> done;
    /** Records a poll returned after the engine asked for a pause; handed over on resume. */
    private final List<ConsumerRecord<byte[], byte[]>> held = new ArrayList<>();
    private final FetchProgress progress;
    /**
     * Per owned partition, where it ended (its end for this consumer's isolation level) when its lag first became
     * known after it was assigned: what {@link #recordProgress} counts as read to the end. Poll thread only.
     */
    private final Map<TopicPartition, Long> endsWhenFirstFetched = new HashMap<>();
    private final StartPositions startPositions;
    /**
     * The assignment {@link FetchProgress#heldByOthers} was last worked out for, or null while the topic's partitions
     * were not known: it is worked out again only when the assignment changes. Poll thread only.
     */
    private Set<TopicPartition> heldByOthersOf;
    /** The offsets of one partition's run of records being handed over; poll thread only. */
    private long[] offsets = new long[512];
    /** What stopped the loop, set on the poll thread only. */
    private Throwable failure;

    PollLoop(Consumer<byte[], byte[]> consumer, DeliverySink sink, ConsumerSignals signals, KafkaConfig config,
             ConsumerSettings settings, CompletableFuture<Void> done, FetchProgress progress,
             StartPositions startPositions) {
        this.progress = progress;
        this.startPositions = startPositions;
        this.consumer = consumer;
        this.sink = sink;
        this.signals = signals;
        this.config = config;
        this.settings = settings;
        this.trackers = new PartitionTrackers(settings.topic());
        this.committer = new Committer(consumer, trackers, signals, config.commitInterval(), config.closeTimeout());
        this.done = done;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(settings.topic()),
                    new RebalanceHandler(consumer, sink, trackers, committer, signals, settings.revokeTimeout(),
                            this::dropHeld, startPositions));
            loop();
            committer.commitThroughRebalance(this::pollThroughRebalance);
        } catch (RuntimeException | Error e) {
            if (signals.closing()) {
                LOG.warn("Kafka consumer of topic {} group {}: closing met an error: {}", settings.topic(),
                        settings.group(), e.toString());
                return; // the finally block still closes the consumer and completes the close
            }
            failure = e;
            if (e instanceof AccessRefusedException) {
                LOG.error("Kafka consumer of topic {} group {} stopped: {}; the subscription fails and the group gets"
                        + " what it had not acknowledged again", settings.topic(), settings.group(), e.getMessage());
            } else {
                LOG.error("Kafka consumer of topic {} group {} stopped on an unexpected error; the subscription fails"
                        + " and the group gets what it had not acknowledged again", settings.topic(), settings.group(),
                        e);
            }
            commitAcknowledged();
        } finally {
            closeConsumer();
            if (failure == null) {
                done.complete(null);
            } else {
                sink.failed(failure);
                done.completeExceptionally(failure);
            }
        }
    }

    /** After a failure: commits what was acknowledged (the contiguous prefix), if Kafka takes it. */
    private void commitAcknowledged() {
        try {
            committer.commitSync(null);
        } catch (RuntimeException e) {
            LOG.warn("Kafka consumer of topic {} group {}: committing the acknowledged offsets after the failure "
                    + "failed ({}); they are delivered again", settings.topic(), settings.group(), e.toString());
        }
    }

    private void loop() {
        long backoffNanos = 0;
        while (!signals.closing()) {
            try {
                poll().forEach(held::add);
                if (!held.isEmpty() && !signals.pauseWanted()) {
                    deliver(held);
                    held.clear();
                }
                committer.commitIfDue();
                recordProgress();
                backoffNanos = 0;
            } catch (WakeupException e) {
                // a resume, close or abort wants attention: the loop condition and pause state are read again
            } catch (IllegalStateException e) {
                throw e;
            } catch (AuthorizationException | AuthenticationException e) {
                // the login or an ACL refused: polling again cannot help, the subscription fails with it
                TlsRefusals.of("the consumer of topic " + settings.topic() + " as group " + settings.group(),
                        config.bootstrapServers(), e)
                        .ifPresent(certificate -> {
                            throw certificate;
                        });
                throw new AccessRefusedException("Kafka refused the consumer of topic " + settings.topic() + " as group "
                        + settings.group() + " (" + e.getMessage() + "): check its credentials and grant its principal"
                        + " Read and Describe on the topic and on the group (docs/security.md), then start the"
                        + " subscription again; not retried", e);
            } catch (KafkaException e) {
                backoffNanos = Math.min(MAX_ERROR_BACKOFF_NANOS, Math.max(backoffNanos * 2,
                        config.pollTimeout().toNanos()));
                LOG.warn("Kafka consumer of topic {} group {} failed to poll, retrying in {} ms: {}", settings.topic(),
                        settings.group(), TimeUnit.NANOSECONDS.toMillis(backoffNanos), e.toString());
                // a poll that keeps failing owns nothing (a group that refuses the join, say): a dead-letter read
                // ending now must say it read none of the partitions, not that there was nothing to read
                Set<TopicPartition> assigned = consumer.assignment();
                if (!assigned.equals(heldByOthersOf)) {
                    recordHeldByOthers(assigned);
                }
                LockSupport.parkNanos(backoffNanos);
            }
        }
    }

    private ConsumerRecords<byte[], byte[]> poll() {
        boolean paused = applyPause();
        signals.idle(paused);
        try {
            if (paused && !signals.pauseWanted()) {
                // resumed between applying the pause and announcing the idle poll: go round again
                return ConsumerRecords.empty();
            }
            return consumer.poll(config.pollTimeout());
        } finally {
            signals.idle(false);
        }
    }

    /** Pauses every owned partition while the engine wants a pause, resumes them after; true when paused. */
    private boolean applyPause() {
        Set<TopicPartition> assigned = consumer.assignment();
        if (signals.pauseWanted()) {
            if (!consumer.paused().containsAll(assigned)) {
                consumer.pause(assigned);
            }
            return true;
        }
        Set<TopicPartition> paused = consumer.paused();
        if (!paused.isEmpty()) {
            consumer.resume(paused);
        }
        return false;
    }

    /**
     * The owned partitions' lag behind their fetch positions (known locally after a fetch), plus what is held; caught up
     * when this consumer owns every partition of the topic (a member of the group that holds some would hand them over
     * later), nothing is held, and each partition's position has reached where it ended when its lag was first known
     * (a fetch answered for it): each lag on its own, never a sum, and not "no lag now", which a topic written without
     * pause never shows.
     */
    private void recordProgress() {
        long lag = held.size();
        Set<TopicPartition> assigned = consumer.assignment();
        endsWhenFirstFetched.keySet().retainAll(assigned);
        boolean atEveryEnd = held.isEmpty() && !assigned.isEmpty();
        for (TopicPartition partition : assigned) {
            OptionalLong partitionLag = consumer.currentLag(partition);
            lag += partitionLag.orElse(0);
            atEveryEnd &= partitionLag.isPresent() && readToTheFirstEnd(partition, partitionLag.getAsLong());
        }
        progress.record(lag, atEveryEnd && ownsEveryPartition(assigned));
        if (!assigned.equals(heldByOthersOf)) {
            recordHeldByOthers(assigned);
        }
    }

    /** The topic's partitions not in {@code assigned}, as the consumer's metadata has them (not known yet: none). */
    private void recordHeldByOthers(Set<TopicPartition> assigned) {
        List<PartitionInfo> partitions;
        try {
            partitions = consumer.partitionsFor(settings.topic(), Duration.ZERO);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            partitions = null;
        }
        if (partitions == null || partitions.isEmpty()) {
            heldByOthersOf = null; // asked again next round
            progress.heldByOthers(Set.of());
            return;
        }
        Set<String> others = new HashSet<>();
        for (PartitionInfo partition : partitions) {
            if (!assigned.contains(new TopicPartition(settings.topic(), partition.partition()))) {
                others.add(Integer.toString(partition.partition()));
            }
        }
        heldByOthersOf = assigned;
        progress.heldByOthers(others);
    }

    /** Whether {@code partition}, {@code lag} behind its end now, has reached where it ended when first fetched. */
    private boolean readToTheFirstEnd(TopicPartition partition, long lag) {
        long position;
        try {
            position = consumer.position(partition, Duration.ZERO);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            return false; // no position yet: not known to be read to its end
        }
        long end = endsWhenFirstFetched.computeIfAbsent(partition, p -> position + lag);
        return position >= end;
    }

    /** Whether the assignment is the whole topic, as the consumer's metadata has it (asked only when caught up). */
    private boolean ownsEveryPartition(Set<TopicPartition> assigned) {
        try {
            List<PartitionInfo> partitions = consumer.partitionsFor(settings.topic(), Duration.ZERO);
            return partitions != null && !partitions.isEmpty() && assigned.size() >= partitions.size();
        } catch (WakeupException e) {
            throw e; // the loop's own signal: a resume, close or abort wants attention
        } catch (KafkaException e) {
            return false; // not in the metadata yet: not known to be caught up
        }
    }

    /**
     * One poll of a closing consumer (at most {@code millis}) so that its group's rebalance can end: every partition
     * paused, so what comes is only what a partition assigned meanwhile returns, dropped (not acknowledged: its next
     * owner reads it).
     */
    private void pollThroughRebalance(long millis) {
        try {
            consumer.pause(consumer.assignment());
            consumer.poll(Duration.ofMillis(Math.min(millis, config.pollTimeout().toMillis())));
        } catch (WakeupException e) {
            // the close's wakeup, left pending: consumed
        }
    }

    private void dropHeld(List<Integer> partitions) {
        held.removeIf(r -> partitions.contains(r.partition()));
    }

    /**
     * Hands the records to the engine with as little work as it can: per run of one partition's records, one
     * registration with its offset tracker; per record only its key is mapped now, the rest on its lane
     * ({@link RecordMapping#deferred}). A record a previous owner recorded as done is acknowledged, not handed over.
     */
    private void deliver(List<ConsumerRecord<byte[], byte[]>> records) {
        int n = records.size();
        List<InboundRecord> batch = new ArrayList<>(n);
        if (offsets.length < n) {
            offsets = new long[Math.max(n, 2 * offsets.length)];
        }
        int from = 0;
        while (from < n) {
            int partition = records.get(from).partition();
            int to = from;
            while (to < n && records.get(to).partition() == partition) {
                offsets[to - from] = records.get(to).offset();
                to++;
            }
            OffsetTracker tracker = trackers.receivedAll(partition, offsets, to - from);
            boolean anyDoneBefore = trackers.anyDoneBefore(partition);
            for (int i = from; i < to; i++) {
                ConsumerRecord<byte[], byte[]> r = records.get(i);
                long offset = r.offset();
                if (anyDoneBefore && trackers.doneBefore(partition, offset)) {
                    tracker.acked(offset); // a previous owner finished it: recorded in its commit, not run again
                    continue;
                }
                batch.add(RecordMapping.deferred(r, () -> {
                    if (!signals.aborted()) {
                        tracker.acked(offset);
                    }
                }));
            }
            from = to;
        }
        if (batch.isEmpty()) {
            return;
        }
        sink.accept(batch); // throwing ends the loop and fails the subscription: never a silent gap in the commits
    }

    private void closeConsumer() {
        CloseOptions options = CloseOptions.timeout(config.closeTimeout())
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                consumer.close(options);
                return;
            } catch (WakeupException e) {
                // a late wakeup; close again
            } catch (RuntimeException e) {
                LOG.warn("Closing the Kafka consumer of topic {} group {} failed: {}", settings.topic(),
                        settings.group(), e.toString());
                return;
            }
        }
    }
}
