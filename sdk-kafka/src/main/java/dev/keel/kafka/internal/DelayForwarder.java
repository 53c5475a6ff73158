package dev.keel.kafka.internal;

import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.support.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves due records from {@code T.keel-delay} to {@code T}: one consumer in the group
 * {@code keel-delay-T} (shared by every forwarder of {@code T}, so each record is forwarded by one
 * of them) and an idempotent {@code acks=all} producer. Each assigned partition's records wait in a
 * {@link DelayBuffer}; on each turn the poll thread forwards those that are due (same key, headers and
 * payload, so the same id and the key's partition of {@code T}; the publish time as a {@code keel-ts} header,
 * the record stamped with the forward time: see {@link ForwardedRecords}), commits
 * the delay topic up to the first record not yet confirmed by {@code T}, pauses a partition whose
 * buffer is full and resumes it when there is room, and polls for at most the time until the next
 * record is due. It never sleeps. A crash between a forward and its commit forwards that record again
 * (same id: the consumer's idempotency store drops the copy).
 */
public final class DelayForwarder {

    private static final Logger LOG = LoggerFactory.getLogger(DelayForwarder.class);
    /** The longest poll: how soon a forwarder notices a close or a newly due record at the latest. */
    static final long MAX_POLL_MILLIS = 100;

    private final KafkaConfig config;
    private final String topic;
    private final Clock clock;
    private final Map<TopicPartition, DelayBuffer> buffers = new HashMap<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean running = true;
    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;
    private Thread thread;

    public DelayForwarder(KafkaConfig config, String topic, Clock clock) {
        this.config = config;
        this.topic = topic;
        this.clock = clock;
    }

    /** Creates the clients and starts the poll thread. */
    public synchronized void start() {
        Map<String, Object> producerProperties = ClientProperties.producer(config);
        producerProperties.put(CommonClientConfigs.CLIENT_ID_CONFIG, config.clientId() + "-"
                + DelayTopics.forwarderGroup(topic) + "-producer-" + System.identityHashCode(this));
        producer = new KafkaProducer<>(producerProperties);
        try {
            consumer = new KafkaConsumer<>(ClientProperties.forwarder(config, DelayTopics.forwarderGroup(topic)));
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        thread = DaemonThreads.named(config.clientId() + "-delay-forwarder-" + topic).newThread(this::run);
        thread.start();
    }

    /** Stops: commits what was forwarded and confirmed, leaves the group; completes when done. */
    public synchronized CompletionStage<Void> close() {
        running = false;
        if (consumer == null) {
            stopped.complete(null);
        } else {
            consumer.wakeup();
        }
        return stopped;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(DelayTopics.delayTopic(topic)), new Rebalance());
            while (running) {
                turn();
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("The delay forwarder of {} stopped: {}", topic, e.toString());
        } finally {
            shutdown();
        }
    }

    /** One turn: forward what is due, commit what is confirmed, pause or resume, poll. */
    private void turn() {
        long now = clock.millis();
        long nextDue = Long.MAX_VALUE;
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        List<TopicPartition> full = new ArrayList<>();
        List<TopicPartition> roomy = new ArrayList<>();
        for (Map.Entry<TopicPartition, DelayBuffer> e : buffers.entrySet()) {
            DelayBuffer buffer = e.getValue();
            buffer.forwardDue(now, this::forward);
            long committable = buffer.settle();
            if (committable >= 0) {
                commits.put(e.getKey(), new OffsetAndMetadata(committable));
            }
            nextDue = Math.min(nextDue, buffer.nextDue());
            (buffer.isFull() ? full : roomy).add(e.getKey());
        }
        if (!commits.isEmpty()) {
            consumer.commitAsync(commits, (offsets, error) -> {
                if (error != null) {
                    LOG.debug("Commit of the delay topic of {} failed (it is committed again later): {}", topic,
                            error.toString());
                }
            });
        }
        consumer.pause(full);
        consumer.resume(roomy);
        long wait = Math.max(0, Math.min(MAX_POLL_MILLIS, nextDue - now));
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(wait))) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            DelayBuffer buffer = buffers.computeIfAbsent(partition, p -> new DelayBuffer());
            buffer.add(record, DelayTopics.dueMillis(record.headers()));
        }
    }

    private CompletableFuture<Void> forward(ConsumerRecord<byte[], byte[]> record) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try {
            // stamped with the forward time (null: the producer's clock), so that the topic's retention and
            // message.timestamp.before.max.ms count from the forward, not from a publish time a delay (or a retry
            // copy's delays) ago; the publish time travels as keel-ts, which the consumer reads as the timestamp
            producer.send(new ProducerRecord<>(topic, null, null, record.key(), record.value(),
                            ForwardedRecords.withPublishTime(record)),
                    (metadata, error) -> {
                        if (error == null) {
                            sent.complete(null);
                        } else {
                            sent.completeExceptionally(error);
                        }
                    });
        } catch (RuntimeException e) {
            // refused before it was sent (no metadata within max.block.ms, ...): forwarded again on a later turn
            sent.completeExceptionally(e);
        }
        return sent;
    }

    /** Commits what is confirmed for {@code partitions} (waiting for their sends first) and drops their buffers. */
    private void release(Collection<TopicPartition> partitions, boolean commit) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        if (commit) {
            producer.flush();
        }
        for (TopicPartition partition : partitions) {
            DelayBuffer buffer = buffers.remove(partition);
            long committable = buffer == null ? -1 : buffer.settle();
            if (committable >= 0 && commit) {
                commits.put(partition, new OffsetAndMetadata(committable));
            }
        }
        if (!commits.isEmpty()) {
            try {
                consumer.commitSync(commits, config.closeTimeout());
            } catch (RuntimeException e) {
                LOG.warn("Commit of the delay topic of {} failed: {} (its records are forwarded again, same ids)",
                        topic, e.toString());
            }
        }
    }

    private void shutdown() {
        try {
            release(new ArrayList<>(buffers.keySet()), true);
        } catch (RuntimeException e) {
            LOG.warn("Closing the delay forwarder of {}: {}", topic, e.toString());
        }
        try {
            consumer.close(CloseOptions.timeout(config.closeTimeout())
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        } catch (RuntimeException e) {
            LOG.warn("Closing the delay forwarder's consumer of {}: {}", topic, e.toString());
        }
        try {
            producer.close(config.closeTimeout());
        } catch (RuntimeException e) {
            LOG.warn("Closing the delay forwarder's producer of {}: {}", topic, e.toString());
        }
        stopped.complete(null);
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            release(partitions, true);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // buffers are created as records arrive
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions, false);
        }
    }
}
