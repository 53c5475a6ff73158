package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter's shared producer: one idempotent {@code acks=all} KafkaProducer. A send's stage
 * completes after the broker acknowledged the record (with its partition and offset), or with a
 * typed {@link KeelException}.
 *
 * <p>The caller's thread checks the record, passes the topic's gate, maps the record to Kafka's and appends the
 * send to a bounded {@link SendQueue} ({@value #SEND_QUEUE_CAPACITY} sends); a sender thread of this producer calls
 * {@code KafkaProducer.send} for each, in the order appended, so that the caller's work and the client's
 * overlap. A caller finding the queue full waits up to {@link KafkaConfig#maxBlock()} for room (as
 * {@code KafkaProducer.send} waits for buffer room), then its send fails with a retriable
 * {@link KeelTimeoutException}. When the producer waited {@code maxBlock} for a topic's metadata in vain, the
 * sends to that topic queued meanwhile fail at once with the same error, instead of each waiting again.
 *
 * <p>Stages complete on a dedicated thread, never on the producer's I/O thread, so a caller that publishes
 * again from a completion cannot stall the producer. The I/O thread only appends each acknowledged record to a
 * queue; the completion thread is woken once per run of acknowledgements (a produce response acknowledges a
 * batch of records), not once per record.
 */
public final class KafkaSender implements BrokerProducer {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSender.class);
    /** Sends that may wait for the sender thread; a caller finding them all taken waits for room. */
    public static final int SEND_QUEUE_CAPACITY = 4096;

    private final KafkaConfig config;
    private final TopicAdmin admin;
    private final Producer<byte[], byte[]> producer;
    private final ExecutorService completions;
    /** Acknowledged sends not completed yet, drained in order on {@link #completions}. */
    private final ConcurrentLinkedQueue<Runnable> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final SendQueue<Send> queue;
    private final TopicGates gates;
    private final long maxRequestSize;
    private volatile boolean closed;
    /** Set once the KafkaProducer is closed: a queued send then fails at once. */
    private volatile boolean producerClosed;
    private final DelayTopicCreator delayTopics;

    /** {@code delayTopicReady} hears the topic whose delay topic this sender has made ready (first delayed send). */
    public KafkaSender(KafkaConfig config, TopicAdmin admin, Consumer<String> delayTopicReady) {
        this.config = config;
        this.admin = admin;
        this.producer = new KafkaProducer<>(ClientProperties.producer(config));
        this.maxRequestSize = ClientProperties.maxRequestSize(config);
        this.completions = Executors.newSingleThreadExecutor(
                DaemonThreads.named(config.clientId() + "-producer-completions"));
        this.gates = config.topicAutoCreation() ? null : new TopicGates(admin, completions);
        this.delayTopics = new DelayTopicCreator(admin, config.topicAutoCreation(), config.delayTopicCheckInterval(),
                delayTopicReady);
        this.queue = new SendQueue<>(config.clientId() + "-producer-sender", SEND_QUEUE_CAPACITY, this::sendNow,
                send -> send.result.completeExceptionally(new ClosedException("the Kafka producer is closed")));
    }

    @Override
    public CompletionStage<PublishReceipt> send(OutboundRecord record) {
        CompletableFuture<PublishReceipt> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new ClosedException("the Kafka producer is closed"));
            return result;
        }
        boolean delayed;
        try {
            delayed = DelayTopics.goesToDelayTopic(record, Clock.systemUTC());
        } catch (KeelException e) {
            result.completeExceptionally(e);
            return result;
        }
        if (gates == null) {
            route(record, delayed, result);
        } else {
            gates.whenOpen(record.topic(), failure -> {
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    route(record, delayed, result);
                }
            });
        }
        return result;
    }

    /** A delayed record goes to its topic's delay topic (created on first use). */
    private void route(OutboundRecord record, boolean delayed, CompletableFuture<PublishReceipt> result) {
        if (!delayed) {
            enqueue(record, null, result);
            return;
        }
        OutboundRecord toDelayTopic;
        try {
            toDelayTopic = delayTopics.toDelayTopic(record);
        } catch (RuntimeException e) {
            result.completeExceptionally(e instanceof KeelException k ? k
                    : new KeelException("cannot create the delay topic of " + record.topic() + ": " + e, e, true));
            return;
        }
        enqueue(toDelayTopic, record, result);
    }

    /**
     * Maps the record here, where it was just made (a mapping on the sender thread took 40% of that thread's samples,
     * most of them first touches of the record's fields), and appends the send for the sender thread, waiting up to
     * {@code maxBlock} for room.
     */
    private void enqueue(OutboundRecord record, OutboundRecord delayedFrom, CompletableFuture<PublishReceipt> result) {
        ProducerRecord<byte[], byte[]> kafkaRecord;
        try {
            kafkaRecord = delayedFrom == null ? RecordMapping.toKafka(record)
                    : ForwardedRecords.forDelayTopic(RecordMapping.toKafka(record));
        } catch (RuntimeException e) {
            fail(record, delayedFrom, e, result);
            return;
        }
        Send send = new Send(record, delayedFrom, kafkaRecord, result);
        try {
            if (!queue.append(send, config.maxBlock())) {
                send.result.completeExceptionally(new KeelTimeoutException("the Kafka producer's send queue ("
                        + SEND_QUEUE_CAPACITY + " records) stayed full for maxBlock " + config.maxBlock() + " (topic "
                        + send.record.topic() + "): the broker accepts records more slowly than they are published,"
                        + " or is unreachable; not sent"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send.result.completeExceptionally(new PublishException("interrupted while waiting for room in the Kafka"
                    + " producer's send queue (topic " + send.record.topic() + "); not sent", e, true));
        }
    }

    /** Hands the record to the KafkaProducer, on the sender thread. */
    private void sendNow(Send send) {
        if (send.skipped) {
            return; // fails with the error of a vain metadata wait for its topic
        }
        if (producerClosed) {
            send.result.completeExceptionally(new ClosedException("the Kafka producer is closed"));
            return;
        }
        try {
            producer.send(send.kafkaRecord, send);
        } catch (RuntimeException e) {
            fail(send.record, send.delayedFrom, e, send.result);
        }
    }

    /**
     * The producer waited {@code maxBlock} for {@code topic}'s metadata in vain (the sender thread, inside
     * {@code KafkaProducer.send}): the sends to it queued meanwhile fail with the same error once it is known,
     * the others are sent next, in their order.
     */
    private void metadataMissing(Send first) {
        String topic = first.record.topic();
        List<CompletableFuture<PublishReceipt>> sameTopic = new ArrayList<>();
        for (Send s : queue.waiting()) {
            if (s.record.topic().equals(topic)) {
                s.skipped = true;
                sameTopic.add(s.result);
            }
        }
        if (sameTopic.isEmpty()) {
            return;
        }
        LOG.debug("No metadata of {} within maxBlock: failing {} sends queued to it", topic, sameTopic.size());
        first.result.whenComplete((receipt, error) -> {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            for (CompletableFuture<PublishReceipt> r : sameTopic) {
                if (cause != null) {
                    r.completeExceptionally(cause);
                } else {
                    r.completeExceptionally(new BrokerUnavailableException("no Kafka metadata for the topic in time"
                            + " (topic " + topic + "); is the cluster reachable?", null));
                }
            }
        });
    }

    /** Starts a drain on the completion thread unless one is under way (it will see what was just added). */
    private void scheduleDrain() {
        if (!acknowledged.isEmpty() && draining.compareAndSet(false, true)) {
            try {
                completions.execute(this::drain);
            } catch (RejectedExecutionException closing) {
                drain();
            }
        }
    }

    private void drain() {
        try {
            Runnable completion;
            while ((completion = acknowledged.poll()) != null) {
                try {
                    completion.run();
                } catch (RuntimeException e) {
                    LOG.warn("A publish completion failed: {}", e.toString());
                }
            }
        } finally {
            draining.set(false);
        }
        scheduleDrain(); // one added after the last poll and before the flag cleared
    }

    private void complete(OutboundRecord record, OutboundRecord delayedFrom, RecordMetadata metadata,
                          Exception error, CompletableFuture<PublishReceipt> result) {
        if (error == null) {
            result.complete(new PublishReceipt(record.topic(), record.id(),
                    RecordMapping.partition(metadata.partition()), metadata.offset()));
        } else {
            fail(record, delayedFrom, error, result);
        }
    }

    private void fail(OutboundRecord record, OutboundRecord delayedFrom, Throwable error,
                      CompletableFuture<PublishReceipt> result) {
        if (SendErrors.isTooLarge(error)) {
            result.completeExceptionally(delayedFrom == null ? SendErrors.tooLarge(record, error, maxRequestSize)
                    : SendErrors.tooLargeDelayed(delayedFrom, record.topic(), error, maxRequestSize));
            return;
        }
        if (!SendErrors.mayBeMissingTopic(error)) {
            result.completeExceptionally(SendErrors.map(record.topic(), error, config.deliveryTimeout(),
                    config.bootstrapServers()));
            return;
        }
        admin.exists(record.topic()).whenComplete((exists, checkError) -> {
            if (Boolean.FALSE.equals(exists)) {
                if (gates != null) {
                    gates.forget(record.topic());
                }
                if (delayedFrom != null) {
                    delayTopics.forget(delayedFrom.topic()); // deleted: the next delayed send creates it again
                }
                result.completeExceptionally(TopicGates.missingTopic(record.topic(), error));
            } else if ((checkError instanceof CompletionException c ? c.getCause() : checkError)
                    instanceof AccessRefusedException refused) {
                result.completeExceptionally(refused); // the check was refused, or met a listener of the other kind
            } else {
                result.completeExceptionally(SendErrors.map(record.topic(), error, config.deliveryTimeout(),
                    config.bootstrapServers()));
            }
        });
    }

    /** Forgets that {@code topic} exists (it was deleted): the next send to it checks again. */
    public void forgetTopic(String topic) {
        if (gates != null) {
            gates.forget(topic);
        }
        delayTopics.forget(topic);
    }

    /**
     * Flushes what is pending (up to the close timeout): the sender thread hands what was queued to the
     * KafkaProducer, which sends it; what is left fails, none hangs.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        boolean handedOn = stopSender(config.closeTimeout());
        if (!handedOn) {
            LOG.warn("The Kafka producer's sender thread did not hand on its queued sends within {}",
                    config.closeTimeout());
        }
        try {
            producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (RuntimeException e) {
            LOG.warn("Closing the Kafka producer failed: {}", e.toString());
        }
        producerClosed = true;
        if (!handedOn) {
            stopSender(config.closeTimeout()); // what it still holds now fails at once
        }
        queue.refuseRemaining();
        completions.shutdown();
        try {
            if (!completions.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Kafka producer completions did not finish within {}", config.closeTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean stopSender(Duration timeout) {
        try {
            return queue.stop(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One record on its way: queued, handed to the producer, acknowledged (its callback), completed. */
    private final class Send implements Callback, Runnable {

        final OutboundRecord record;
        /**
         * The record as published when {@link #record} is its copy for the delay topic (which then carries its
         * publish time as {@code keel-ts} already, so that it is as large as its forward and the delay topic's copy
         * of the topic's {@code max.message.bytes} refuses what the forward would be refused for), else null.
         */
        final OutboundRecord delayedFrom;
        final ProducerRecord<byte[], byte[]> kafkaRecord;
        final CompletableFuture<PublishReceipt> result;
        /** Not to be sent: its topic's metadata did not come (the sender thread's only). */
        boolean skipped;
        private RecordMetadata metadata;
        private Exception error;

        Send(OutboundRecord record, OutboundRecord delayedFrom, ProducerRecord<byte[], byte[]> kafkaRecord,
             CompletableFuture<PublishReceipt> result) {
            this.record = record;
            this.delayedFrom = delayedFrom;
            this.kafkaRecord = kafkaRecord;
            this.result = result;
        }

        /** The producer's callback (its I/O thread; the sender thread for a failure inside send). */
        @Override
        public void onCompletion(RecordMetadata metadata, Exception error) {
            this.metadata = metadata;
            this.error = error;
            acknowledged.add(this);
            scheduleDrain();
            if (error instanceof TimeoutException && SendErrors.mayBeMissingTopic(error) && queue.isOwnThread()) {
                metadataMissing(this);
            }
        }

        /** On the completion thread. */
        @Override
        public void run() {
            complete(record, delayedFrom, metadata, error, result);
        }
    }
}
