package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.support.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OffsetMetadataTooLarge;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves due records from {@code T.keel-delay} to {@code T}: one consumer in the group {@code keel-delay-T} (shared
 * by every forwarder of {@code T}, so each record is forwarded by one of them; cooperative rebalancing, so a member
 * joining or leaving moves only the partitions that change owner) and an idempotent {@code acks=all} producer. Each
 * assigned partition's records wait in a {@link DelayBuffer}; on each turn the poll thread forwards those that are
 * due (same key, headers and payload, so the same id and the key's partition of {@code T}; the publish time as a
 * {@code keel-ts} header, the record stamped with the forward time: see {@link ForwardedRecords}), retries failed
 * forwards after their backoff, dead-letters to {@code T.DLT} those {@code T} refuses for good
 * ({@link RefusedForwards}), commits each partition at its first record not done with the offsets done after it in
 * the commit's metadata ({@link ForwardedOffsets}; read back when a partition is assigned, so a new owner forwards
 * none of them again), pauses a partition whose buffer is full and resumes it when there is room, and polls for at
 * most the time until the next record is due. It never sleeps. A crash between a forward and its commit forwards
 * that record again (same id: the consumer's idempotency store drops the copy while it remembers the id).
 * A refusal by Kafka (a login, an ACL or a certificate: its group, its delay topic, a forward to {@code T}) stops the
 * forwarder with an {@link AccessRefusedException} naming what to grant ({@link #failure()}), which fails its
 * subscription: retrying cannot help, and the delayed records stay on the delay topic, uncommitted, for a forwarder
 * that may.
 */
public final class DelayForwarder {

    private static final Logger LOG = LoggerFactory.getLogger(DelayForwarder.class);
    /** The longest poll: how soon a forwarder notices a close or a newly due record at the latest. */
    static final long MAX_POLL_MILLIS = 100;
    /** How long reading the committed offsets of newly assigned partitions may take. */
    static final Duration COMMITTED_READ_TIMEOUT = Duration.ofSeconds(5);
    /** The smallest commit metadata budget worth trying; below it commits carry offsets only. */
    static final int MIN_METADATA_CHARS = 64;
    /** How often the committed offsets of partitions not read yet are asked for again (others go on meanwhile). */
    static final long UNREAD_RETRY_MILLIS = 1_000;
    /** At most one warning about failed forwards per this interval. */
    private static final long WARN_INTERVAL_MILLIS = 10_000;

    private final KafkaConfig config;
    private final String topic;
    private final String deadLetterTopic;
    private final TopicAdmin admin;
    private final Clock clock;
    private final Map<TopicPartition, DelayBuffer> buffers = new HashMap<>();
    /** Assigned partitions whose committed offsets could not be read yet: paused until they are. */
    private final Set<TopicPartition> unread = new HashSet<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Completed with the error when the poll thread stopped on its own, not by {@link #close()}. */
    private final CompletableFuture<RuntimeException> failed = new CompletableFuture<>();
    private final Outcomes outcomes = new Outcomes();
    private volatile boolean running = true;
    private int metadataBudget = ForwardedOffsets.MAX_CHARS;
    private long nextUnreadRead;
    private boolean deadLetterTopicReady;
    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;
    private Thread thread;
    /** A refused forward or commit, seen on the poll thread: it stops the forwarder at the end of the turn. */
    private AccessRefusedException refusal;

    /**
     * @param deadLetterTopic where forwards {@code topic} refuses for good go ({@code topic}'s default dead-letter
     *                        topic), created like {@code topic} by {@code admin} when first needed
     */
    public DelayForwarder(KafkaConfig config, String topic, String deadLetterTopic, TopicAdmin admin, Clock clock) {
        this.config = config;
        this.topic = topic;
        this.deadLetterTopic = deadLetterTopic;
        this.admin = admin;
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
        RuntimeException failure = null;
        try {
            consumer.subscribe(List.of(DelayTopics.delayTopic(topic)), new Rebalance());
            while (running) {
                turn();
            }
        } catch (WakeupException e) {
            // closing
        } catch (AuthorizationException | AuthenticationException e) {
            failure = refused(e);
            LOG.error("The delay forwarder of {} stopped: {} (its subscription fails)", topic, failure.getMessage());
        } catch (AccessRefusedException e) {
            failure = e;
            LOG.error("The delay forwarder of {} stopped: {} (its subscription fails)", topic, e.getMessage());
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("The delay forwarder of {} stopped: {} (its subscription starts a new one)", topic,
                    e.toString());
        } finally {
            shutdown();
        }
        if (failure != null && running) {
            failed.complete(failure);
        }
    }

    /**
     * Completes with the error that stopped the poll thread on its own (an unexpected failure, not a close), after
     * its clients are closed and what it forwarded is committed; never completes for a forwarder that is closed. An
     * {@link AccessRefusedException} is a refusal: a new forwarder would be refused too.
     */
    public CompletionStage<RuntimeException> failure() {
        return failed;
    }

    /** One turn: settle sends, forward what is due, commit what is done, pause or resume, poll. */
    private void turn() {
        long now = clock.millis();
        if (!unread.isEmpty() && now >= nextUnreadRead) {
            nextUnreadRead = now + UNREAD_RETRY_MILLIS;
            readCommitted(new ArrayList<>(unread));
        }
        long nextDue = Long.MAX_VALUE;
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        List<TopicPartition> paused = new ArrayList<>(unread);
        List<TopicPartition> roomy = new ArrayList<>();
        for (Map.Entry<TopicPartition, DelayBuffer> e : buffers.entrySet()) {
            DelayBuffer buffer = e.getValue();
            buffer.settle(now, outcomes);
            buffer.forwardDue(now, sender);
            OffsetAndMetadata commit = buffer.commit(metadataBudget);
            if (commit != null) {
                commits.put(e.getKey(), commit);
            }
            nextDue = Math.min(nextDue, buffer.nextDue());
            (buffer.isFull() ? paused : roomy).add(e.getKey());
        }
        if (refusal != null) {
            throw refusal;
        }
        if (!commits.isEmpty()) {
            consumer.commitAsync(commits, (offsets, error) -> {
                if (error != null) {
                    commitFailed(commits, error);
                }
            });
        }
        consumer.pause(paused);
        consumer.resume(roomy);
        long wait = Math.max(0, Math.min(MAX_POLL_MILLIS, nextDue - now));
        Set<TopicPartition> sentBack = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(wait))) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            DelayBuffer buffer = buffers.get(partition);
            if (buffer != null) {
                buffer.add(record, DelayTopics.dueMillis(record.headers()));
            } else if (sentBack.add(partition)) {
                // not known yet what a previous owner forwarded: read again once it is
                consumer.seek(partition, record.offset());
                consumer.pause(List.of(partition));
                unread.add(partition);
            }
        }
    }

    /** Runs on the poll thread (commit callbacks run inside poll). */
    private void commitFailed(Map<TopicPartition, OffsetAndMetadata> commits, Exception error) {
        commits.forEach((partition, commit) -> {
            DelayBuffer buffer = buffers.get(partition);
            if (buffer != null) {
                buffer.commitFailed(commit);
            }
        });
        if (error instanceof OffsetMetadataTooLarge) {
            lowerMetadataBudget();
        } else if (isRefusal(error)) {
            refuse(error);
        } else {
            LOG.debug("Commit of the delay topic of {} failed (it is committed again later): {}", topic,
                    error.toString());
        }
    }

    /** The broker refused the metadata as too large ({@code offset.metadata.max.bytes} is lower): half of it. */
    private void lowerMetadataBudget() {
        int lower = metadataBudget / 2;
        metadataBudget = lower < MIN_METADATA_CHARS ? 0 : lower;
        LOG.warn("The broker refused the delay forwarder's commit metadata of {} as too large (offset.metadata.max.bytes"
                + " is lower than it); trying {} characters (0: offsets only; a new owner then forwards again what "
                + "was forwarded after a record not yet due)", topic, metadataBudget);
    }

    private final DelayBuffer.Sender sender = new DelayBuffer.Sender() {
        @Override
        public CompletableFuture<Void> forward(ConsumerRecord<byte[], byte[]> record) {
            // stamped with the forward time (null: the producer's clock), so that the topic's retention and
            // message.timestamp.before.max.ms count from the forward, not from a publish time a delay (or a retry
            // copy's delays) ago; the publish time travels as keel-ts, which the consumer reads as the timestamp
            return send(new ProducerRecord<>(topic, null, null, record.key(), record.value(),
                    ForwardedRecords.withPublishTime(record)));
        }

        @Override
        public CompletableFuture<Void> deadLetter(ConsumerRecord<byte[], byte[]> record, Throwable cause,
                                                  int attempts, boolean truncated) {
            if (!deadLetterTopicReady) {
                admin.ensureDeadLetterTopic(topic, deadLetterTopic, config.topicAutoCreation(),
                        DelayTopics.delayTopic(topic));
                deadLetterTopicReady = true;
            }
            return send(RefusedForwards.deadLetter(deadLetterTopic, topic, record, cause, attempts, truncated,
                    clock.millis()));
        }
    };

    private CompletableFuture<Void> send(ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        producer.send(record, (metadata, error) -> {
            if (error == null) {
                sent.complete(null);
            } else {
                sent.completeExceptionally(error);
            }
        });
        return sent;
    }

    /**
     * Reads what the last commits of {@code partitions} recorded and makes their buffers; those it cannot read now
     * stay paused and are read on a later turn (forwarding them without it would forward again what a previous
     * owner forwarded).
     */
    private void readCommitted(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions),
                    COMMITTED_READ_TIMEOUT);
            for (TopicPartition partition : partitions) {
                buffers.put(partition, new DelayBuffer(committed.get(partition)));
                unread.remove(partition);
            }
        } catch (WakeupException | AuthorizationException | AuthenticationException e) {
            throw e; // a refusal stops the forwarder: the partitions would wait for ever
        } catch (KafkaException e) {
            LOG.debug("Could not read the committed offsets of the delay topic of {} ({}); its partitions {} wait",
                    topic, e.toString(), partitions);
            unread.addAll(partitions);
            consumer.pause(partitions);
        }
    }

    /** Commits what is done for {@code partitions} (waiting for their sends first) and drops their buffers. */
    private void release(Collection<TopicPartition> partitions, boolean commit) {
        unread.removeAll(partitions);
        if (commit) {
            try {
                producer.flush();
            } catch (RuntimeException e) {
                LOG.warn("Flushing the delay forwarder's producer of {} failed: {}", topic, e.toString());
            }
        }
        long now = clock.millis();
        Map<TopicPartition, DelayBuffer> byPartition = new HashMap<>();
        for (TopicPartition partition : partitions) {
            DelayBuffer buffer = buffers.remove(partition);
            if (buffer != null && commit) {
                buffer.settle(now, outcomes);
                byPartition.put(partition, buffer);
            }
        }
        while (!byPartition.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> commits = currentCommits(byPartition);
            if (commits.isEmpty()) {
                return;
            }
            try {
                consumer.commitSync(commits, config.closeTimeout());
                return;
            } catch (OffsetMetadataTooLarge e) {
                if (metadataBudget == 0) {
                    throw e;
                }
                lowerMetadataBudget();
            } catch (RuntimeException e) {
                LOG.warn("Commit of the delay topic of {} failed: {} (what was forwarded since the last commit is "
                        + "forwarded again by the next owner, same ids)", topic, e.toString());
                return;
            }
        }
    }

    private void shutdown() {
        boolean committed = false;
        try {
            committed = commitThroughRebalance();
        } catch (RuntimeException e) {
            LOG.debug("Committing the delay forwarder of {} before it leaves: {}", topic, e.toString());
        }
        try {
            Set<TopicPartition> owned = new HashSet<>(buffers.keySet());
            owned.addAll(unread);
            release(owned, !committed); // committed: nothing was forwarded since (no turn ran), drop the buffers
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

    /**
     * Before leaving, commits what is done while the group rebalances: the client and the broker refuse commits until
     * the rebalance ends ({@link RebalanceInProgressException}), which needs this member's polls, so it polls (its
     * partitions paused, what a poll returns dropped: only forwarded and confirmed records are committed) and
     * commits again, until the close timeout; a partition the rebalance revokes meanwhile is committed by the
     * revocation. A wakeup left by {@link #close()} is consumed the same way. Given up at the timeout (false), the
     * final commit of {@link #release} tries once more and logs what it costs. Without this, every record forwarded
     * since the last commit was forwarded again by the partition's next owner.
     */
    private boolean commitThroughRebalance() {
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        producer.flush();
        while (true) {
            long now = clock.millis();
            buffers.values().forEach(buffer -> buffer.settle(now, outcomes));
            Map<TopicPartition, OffsetAndMetadata> commits = currentCommits(buffers);
            if (commits.isEmpty()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                consumer.commitSync(commits, Duration.ofNanos(left));
                return true;
            } catch (RebalanceInProgressException e) {
                LOG.debug("The delay forwarder of {} commits once its group's rebalance ends", topic);
                pollThroughRebalance(Math.min(MAX_POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (WakeupException e) {
                // the close's wakeup, left pending: consumed, try again
            }
        }
    }

    /** What {@code byPartition}'s buffers would commit now: each at its first record not done, the rest in metadata. */
    private Map<TopicPartition, OffsetAndMetadata> currentCommits(Map<TopicPartition, DelayBuffer> byPartition) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        byPartition.forEach((partition, buffer) -> {
            OffsetAndMetadata current = buffer.current(metadataBudget);
            if (current != null) {
                commits.put(partition, current);
            }
        });
        return commits;
    }

    private void pollThroughRebalance(long millis) {
        try {
            consumer.pause(consumer.assignment());
            consumer.poll(Duration.ofMillis(millis)); // records of partitions assigned meanwhile are read again later
        } catch (WakeupException e) {
            // the close's wakeup, left pending: consumed
        }
    }

    /** Logs what happened to sends, failed forwards at most once per {@link #WARN_INTERVAL_MILLIS}. */
    private final class Outcomes implements DelayBuffer.Outcomes {
        private long lastWarning = Long.MIN_VALUE;
        private int unreported;

        @Override
        public void retrying(ConsumerRecord<byte[], byte[]> record, Throwable failure, long backoffMillis) {
            if (isRefusal(failure)) {
                refuse(failure); // the turn stops the forwarder; the record stays on the delay topic, uncommitted
                return;
            }
            long now = clock.millis();
            if (lastWarning != Long.MIN_VALUE && now - lastWarning < WARN_INTERVAL_MILLIS) {
                unreported++;
                LOG.debug("Forwarding {}-{}@{} failed ({}); forwarded again in {} ms", record.topic(),
                        record.partition(), record.offset(), failure.toString(), backoffMillis);
                return;
            }
            LOG.warn("Forwarding {}-{}@{} to {} failed ({}); forwarded again in {} ms, the records after it go on "
                            + "({} more failed forwards since the last such warning)", record.topic(),
                    record.partition(), record.offset(), topic, failure.toString(), backoffMillis, unreported);
            lastWarning = now;
            unreported = 0;
        }

        @Override
        public void refused(ConsumerRecord<byte[], byte[]> record, Throwable cause) {
            LOG.warn("{} refused the delayed record {}-{}@{} for good ({}); it goes to {}", topic, record.topic(),
                    record.partition(), record.offset(), cause.toString(), deadLetterTopic);
        }

        @Override
        public void deadLettered(ConsumerRecord<byte[], byte[]> record, boolean truncated) {
            if (truncated) {
                LOG.error("The delayed record {}-{}@{} went to {} without its payload ({} refused it as too large "
                                + "too); the full record stays in {} until its retention", record.topic(),
                        record.partition(), record.offset(), deadLetterTopic, deadLetterTopic, record.topic());
            } else {
                LOG.info("The delayed record {}-{}@{} went to {}", record.topic(), record.partition(),
                        record.offset(), deadLetterTopic);
            }
        }

        @Override
        public void deadLetterRefused(ConsumerRecord<byte[], byte[]> record, Throwable refusal, Throwable failure) {
            LOG.error("{} refused the delayed record {}-{}@{} for good ({}), and {} refused its dead letter for good "
                            + "too ({}): no group receives it, and the forwarder goes on past it. It stays in {} "
                            + "until the topic's retention; make {} take such records (not compacted, a "
                            + "max.message.bytes as large as {}'s) to dead-letter them", topic, record.topic(),
                    record.partition(), record.offset(), refusal.toString(), deadLetterTopic, failure.toString(),
                    record.topic(), deadLetterTopic, record.topic());
        }
    }

    private static boolean isRefusal(Throwable error) {
        return error instanceof AuthorizationException || error instanceof AuthenticationException;
    }

    /** Keeps the first refusal seen on the poll thread; the turn throws it. */
    private void refuse(Throwable error) {
        if (refusal == null) {
            refusal = refused(error);
        }
    }

    /** Kafka's refusal of this forwarder, saying what it does and what to grant. */
    private AccessRefusedException refused(Throwable error) {
        String what = "the delay forwarder of topic " + topic;
        return TlsRefusals.of(what, config.bootstrapServers(), error).orElseGet(() -> new AccessRefusedException("Kafka refused " + what + " ("
                + error.getMessage() + "): it consumes " + DelayTopics.delayTopic(topic) + " as the group "
                + DelayTopics.forwarderGroup(topic) + " and publishes what is due to " + topic + "; "
                + DelayTopics.forwarderGrants(topic), error));
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            release(partitions, true);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            readCommitted(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            release(partitions, false);
        }
    }
}
