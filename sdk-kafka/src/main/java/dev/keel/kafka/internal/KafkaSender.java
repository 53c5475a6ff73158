package dev.keel.kafka.internal;

import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.DaemonThreads;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter's shared producer: one idempotent {@code acks=all} KafkaProducer. A send's stage
 * completes after the broker acknowledged the record (with its partition and offset), or with a
 * typed {@link KeelException}. Stages complete on a dedicated thread, never on the producer's I/O
 * thread, so a caller that publishes again from a completion cannot stall the producer. The I/O
 * thread only appends each acknowledged record to a queue; the completion thread is woken once per
 * run of acknowledgements (a produce response acknowledges a batch of records), not once per record.
 */
public final class KafkaSender implements BrokerProducer {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSender.class);

    private final KafkaConfig config;
    private final TopicAdmin admin;
    private final Producer<byte[], byte[]> producer;
    private final ExecutorService completions;
    /** Acknowledged sends not completed yet, drained in order on {@link #completions}. */
    private final ConcurrentLinkedQueue<Runnable> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final TopicGates gates;
    private final long maxRequestSize;
    private volatile boolean closed;
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
            sendNow(record, null, result);
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
        sendNow(toDelayTopic, record, result);
    }

    /**
     * @param delayedFrom the record as published when {@code record} is its copy for the delay topic (which then
     *                    carries its publish time as {@code keel-ts} already, so that it is as large as its forward
     *                    and the delay topic's copy of the topic's {@code max.message.bytes} refuses what the
     *                    forward would be refused for), else null
     */
    private void sendNow(OutboundRecord record, OutboundRecord delayedFrom, CompletableFuture<PublishReceipt> result) {
        if (closed) {
            result.completeExceptionally(new ClosedException("the Kafka producer is closed"));
            return;
        }

        try {
            ProducerRecord<byte[], byte[]> kafkaRecord = delayedFrom == null ? RecordMapping.toKafka(record)
                    : ForwardedRecords.forDelayTopic(RecordMapping.toKafka(record));
            producer.send(kafkaRecord, (metadata, error) -> {
                acknowledged.add(() -> complete(record, delayedFrom, metadata, error, result));
                scheduleDrain();
            });
        } catch (RuntimeException e) {
            fail(record, delayedFrom, e, result);
        }
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
            result.complete(new PublishReceipt(record.topic(), record.id(), String.valueOf(metadata.partition()),
                    metadata.offset()));
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
            result.completeExceptionally(SendErrors.map(record.topic(), error, config.deliveryTimeout()));
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
            } else {
                result.completeExceptionally(SendErrors.map(record.topic(), error, config.deliveryTimeout()));
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

    /** Flushes what is pending (up to the close timeout); what is left fails, none hangs. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            producer.close(config.closeTimeout());
        } catch (RuntimeException e) {
            LOG.warn("Closing the Kafka producer failed: {}", e.toString());
        }
        completions.shutdown();
        try {
            if (!completions.awaitTermination(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Kafka producer completions did not finish within {}", config.closeTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
