package dev.keel.kafka.internal;

import dev.keel.GroupActiveException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.PartitionRewind;
import dev.keel.TopicNotFoundException;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.kafka.ShareGroupReplayException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Replay on Kafka: the position of a time per partition ({@code ListOffsets} by timestamp, what
 * {@code offsetsForTimes} asks), the group's committed offsets and members through the Admin
 * client, and {@code alterConsumerGroupOffsets} to move them, which Kafka allows only while the
 * group has no member. Each call uses an Admin client of its own, closed before it returns.
 */
public final class KafkaReplay {

    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConfig config;
    private final Duration timeout;

    public KafkaReplay(KafkaConfig config) {
        this.config = config;
        this.timeout = config.deliveryTimeout();
    }

    public List<PartitionRewind> planRewind(String topic, String group, Instant from) {
        // listed as the readers read (read_committed by default): with a transaction open, a range must not end past
        // its start, where they wait until it ends
        ListOffsetsOptions asRead = new ListOffsetsOptions(ClientSetup.create("the replay of " + topic,
                config.properties(), () -> ClientProperties.isolationLevel(config)));
        try (Admin admin = admin()) {
            TopicDescription description = describe(admin, topic);
            checkIdle(admin, topic, group);
            Map<TopicPartition, OffsetAndMetadata> classic = get(admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata(), "reading the committed offsets of group " + group);
            refuseShareGroup(admin, topic, group, classic.entrySet().stream()
                    .anyMatch(e -> e.getValue() != null && e.getKey().topic().equals(topic)));
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> atTime = new HashMap<>();
            description.partitions().forEach(p -> {
                latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
                earliest.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest());
                atTime.put(new TopicPartition(topic, p.partition()), OffsetSpec.forTimestamp(from.toEpochMilli()));
            });
            Map<TopicPartition, ListOffsetsResultInfo> ends = get(admin.listOffsets(latest, asRead).all(),
                    "reading the end offsets of " + topic);
            Map<TopicPartition, ListOffsetsResultInfo> starts = get(admin.listOffsets(earliest, asRead).all(),
                    "reading the oldest offsets of " + topic);
            // a partition the group has no committed offset for (never consumed, or offsets expired) starts where
            // autoOffsetReset says: with earliest at the oldest record kept, which the replay must not skip
            boolean fromOldest = "earliest".equals(config.autoOffsetReset());
            Map<TopicPartition, ListOffsetsResultInfo> times = get(admin.listOffsets(atTime, asRead).all(),
                    "searching the offsets of " + from + " in " + topic);
            Map<TopicPartition, OffsetAndMetadata> committed = classic;
            List<PartitionRewind> plan = new ArrayList<>();
            description.partitions().forEach(p -> {
                TopicPartition tp = new TopicPartition(topic, p.partition());
                long end = ends.get(tp).offset();
                OffsetAndMetadata position = committed.get(tp);
                long before = position != null ? position.offset() : fromOldest ? starts.get(tp).offset() : end;
                long found = times.get(tp).offset(); // -1: nothing stored at or after that time
                long after = Math.min(before, found < 0 ? end : found);
                plan.add(new PartitionRewind(Integer.toString(p.partition()), before, after));
            });
            return plan;
        }
    }

    public void rewind(String topic, String group, List<PartitionRewind> rewinds) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionRewind rewind : rewinds) {
            if (rewind.after() < rewind.before()) {
                offsets.put(partition(topic, rewind), new OffsetAndMetadata(rewind.after()));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try (Admin admin = admin()) {
            checkIdle(admin, topic, group);
            try {
                get(admin.alterConsumerGroupOffsets(group, offsets).all(), "moving the offsets of group " + group);
            } catch (KeelException e) {
                if (e.getCause() instanceof UnknownMemberIdException || e.getCause() instanceof GroupNotEmptyException) {
                    throw new GroupActiveException(topic, group, 1); // a member joined meanwhile
                }
                throw e;
            }
        }
    }

    public void readIds(String topic, List<PartitionRewind> ranges, java.util.function.Consumer<List<String>> ids) {
        Map<TopicPartition, Long> until = new HashMap<>();
        for (PartitionRewind range : ranges) {
            if (range.after() < range.before()) {
                until.put(partition(topic, range), range.before());
            }
        }
        if (until.isEmpty()) {
            return;
        }
        try (KafkaConsumer<byte[], byte[]> reader = ClientSetup.create("the replay's reader", config.properties(),
                () -> new KafkaConsumer<byte[], byte[]>(ClientProperties.reader(config)))) {
            reader.assign(until.keySet());
            for (PartitionRewind range : ranges) {
                if (range.after() < range.before()) {
                    reader.seek(partition(topic, range), range.after());
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!until.isEmpty()) {
                List<String> batch = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(POLL)) {
                    Long end = until.get(new TopicPartition(r.topic(), r.partition()));
                    if (end != null && r.offset() < end) {
                        batch.add(RecordMapping.fromKafka(r, () -> { }).id());
                    }
                }
                if (!batch.isEmpty()) {
                    ids.accept(batch);
                    deadline = System.nanoTime() + timeout.toNanos();
                }
                until.entrySet().removeIf(e -> reader.position(e.getKey()) >= e.getValue());
                if (!until.isEmpty() && System.nanoTime() > deadline) {
                    throw new KeelTimeoutException("reading the replayed range of " + topic + " made no progress for "
                            + timeout + "; partitions left: " + until.keySet());
                }
            }
        }
    }

    /** An Admin client of the call's own; its refusal of its settings as a non-retriable {@link KeelException}. */
    private Admin admin() {
        return ClientSetup.create("the replay's admin client", config.properties(),
                () -> Admin.create(ClientProperties.admin(config)));
    }

    /** The topic's partitions; a {@link TopicNotFoundException} when it does not exist. */
    private TopicDescription describe(Admin admin, String topic) {
        try {
            return get(admin.describeTopics(Set.of(topic)).allTopicNames(), "describing topic " + topic).get(topic);
        } catch (KeelException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new TopicNotFoundException(topic, "topic '" + topic + "' does not exist on Kafka: nothing to "
                        + "replay; check the topic's name (retrying cannot help)", e);
            }
            throw e;
        }
    }

    /**
     * Refuses to replay for a Keel group that consumes {@code topic} as a share group: one whose share group has
     * members now, or has started the topic's partitions while the classic group ({@code classicRead}: it committed
     * offsets of the topic) never read it. A rewind of the classic group would change nothing for it.
     */
    private void refuseShareGroup(Admin admin, String topic, String group, boolean classicRead) {
        String share = KafkaAdapter.shareGroupId(group);
        try {
            int members = get(admin.describeShareGroups(Set.of(share)).all(), "describing share group " + share)
                    .get(share).members().size();
            if (members > 0) {
                throw new ShareGroupReplayException(topic, group, share, members + " member(s) consuming now");
            }
            boolean started = get(admin.listShareGroupOffsets(Map.of(share, new ListShareGroupOffsetsSpec()))
                    .partitionsToOffsetInfo(share), "reading where share group " + share + " is").entrySet().stream()
                    .anyMatch(e -> e.getValue() != null && e.getKey().topic().equals(topic));
            if (started) {
                // with classic offsets too, nothing tells which of the two the application consumes by now (a group
                // switched from classic to share keeps its classic offsets for the offsets' retention): refused, saying
                // how to replay a group that runs as a classic group again
                throw new ShareGroupReplayException(topic, group, share, classicRead ? "it has read the topic, and so "
                        + "has the classic group; if the group runs as a classic group again, delete the share group's "
                        + "offsets of the topic (kafka-share-groups.sh --delete-offsets, or Admin.deleteShareGroupOffsets) "
                        + "and replay again" : "it has read the topic, and the classic group never committed an offset of it");
            }
        } catch (ShareGroupReplayException e) {
            throw e;
        } catch (KeelException e) {
            if (e.isRetriable()) {
                throw e;
            }
            // no such share group, a cluster without share groups (or older than them), or a client that may not
            // describe it: nothing shows that the group consumes the topic as a share group
        }
    }

    private void checkIdle(Admin admin, String topic, String group) {
        ConsumerGroupDescription description;
        try {
            description = get(admin.describeConsumerGroups(Set.of(group)).all(), "describing group " + group).get(group);
        } catch (KeelException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return; // a group that never consumed has no member
            }
            throw e;
        }
        if (description != null && !description.members().isEmpty()) {
            throw new GroupActiveException(topic, group, description.members().size());
        }
    }

    private static TopicPartition partition(String topic, PartitionRewind rewind) {
        return new TopicPartition(topic, Integer.parseInt(rewind.partition()));
    }

    private <T> T get(KafkaFuture<T> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw TopicAdmin.failure(what, e.getCause());
        } catch (TimeoutException e) {
            throw new KeelTimeoutException("Kafka did not answer " + what + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeelException("interrupted while " + what, e, true);
        }
    }
}
