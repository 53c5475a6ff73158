package dev.keel.kafka.internal;

import dev.keel.AccessRefusedException;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.kafka.KafkaConfig;
import dev.keel.kafka.PipelineConfig;
import dev.keel.kafka.PipelineOutput;
import dev.keel.kafka.RecordTransform;
import dev.keel.kafka.TransactionalPipeline;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.DaemonThreads;
import dev.keel.spi.support.OutboundRecords;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TransactionalPipeline} on one transactional producer ({@link PipelineProducer}) and one
 * {@code read_committed} consumer, owned by one thread. Per poll: begin, transform and send every record's outputs,
 * send the batch's next offsets with the consumer's group metadata, commit (a commit that timed out is repeated).
 * Any failure but a fatal one aborts and moves the consumer back to the batch's first records, so the batch is
 * processed again. Logs ids, never payloads.
 */
public final class KafkaPipeline implements TransactionalPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaPipeline.class);
    /** The pause after an aborted transaction before the batch is read again. */
    static final long RETRY_BACKOFF_MILLIS = 200;

    private final KafkaConfig config;
    private final PipelineConfig pipeline;
    private final RecordTransform transform;
    private final PipelineProducer producer;
    /** Checks each output topic before its first output is sent; null with {@code topicAutoCreation}. */
    private final PipelineOutputTopics outputTopics;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    /**
     * Creates the clients, fences earlier owners of the transactional id, and starts the loop. Unless
     * {@code topicAutoCreation}, an output to a topic that does not exist stops the pipeline (checked with
     * {@code admin}, as a publish is), so the broker never creates it on first use.
     */
    public KafkaPipeline(KafkaConfig config, PipelineConfig pipeline, RecordTransform transform, TopicAdmin admin) {
        this.config = config;
        this.pipeline = pipeline;
        this.transform = transform;
        this.outputTopics = config.topicAutoCreation() ? null
                : new PipelineOutputTopics(admin, config.deliveryTimeout(), pipeline.transactionalId());
        Map<String, Object> consumerProperties = ClientProperties.consumer(config, new ConsumerSettings(
                pipeline.inputTopic(), pipeline.group(), pipeline.maxBatch(), config.closeTimeout()));
        consumerProperties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProperties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProperties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, pipeline.maxBatch());
        // the consumer first: its refusal of its settings comes at once, not after the producer's initTransactions
        this.consumer = ClientSetup.create("the consumer of transactional pipeline " + pipeline.transactionalId(),
                consumerProperties, () -> new KafkaConsumer<byte[], byte[]>(consumerProperties));
        Map<String, Object> producerProperties = ClientProperties.producer(config);
        producerProperties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, pipeline.transactionalId());
        producerProperties.put(ProducerConfig.CLIENT_ID_CONFIG, config.clientId() + "-pipeline-"
                + pipeline.transactionalId());
        try {
            this.producer = new PipelineProducer(producerProperties, () -> running, Clock.systemUTC());
        } catch (RuntimeException e) {
            consumer.close(CloseOptions.timeout(java.time.Duration.ZERO));
            throw PipelineRefusals.of(pipeline, config.bootstrapServers(), e).<RuntimeException>map(refused -> refused).orElse(e);
        }
        consumer.subscribe(List.of(pipeline.inputTopic()));
        this.thread = DaemonThreads.named(config.clientId() + "-pipeline-" + pipeline.transactionalId())
                .newThread(this::run);
        thread.start();
    }

    @Override
    public boolean isRunning() {
        return running && thread.isAlive();
    }

    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(config.closeTimeout().toMillis() + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "KafkaPipeline{" + pipeline + "}";
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(config.pollTimeout());
                if (!records.isEmpty() && running) {
                    processInTransaction(records);
                }
            }
        } catch (WakeupException | InterruptException closing) {
            // close() woke the loop
        } catch (RuntimeException e) {
            failure = PipelineRefusals.of(pipeline, config.bootstrapServers(), e).<Throwable>map(refused -> refused).orElse(e);
            LOG.error("Transactional pipeline {} stopped: {}", pipeline.transactionalId(), failure.toString());
        } finally {
            running = false;
            closeQuietly();
        }
    }

    private void processInTransaction(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, Long> batchStart = firstOffsets(records);
        producer.begin();
        try {
            Map<TopicPartition, OffsetAndMetadata> next = transformAndSend(records);
            if (!running) {
                // closed while the batch was transformed: nothing of it commits once close() was called
                abortAndRewind(batchStart);
                return;
            }
            producer.sendOffsets(next, consumer.groupMetadata());
            producer.commit();
        } catch (TransformFailed failed) {
            // the transform's own failure is the batch's, whatever it is or its causes hold (a fencing or a refusal
            // of a client of the transform's own is not the pipeline's)
            readAgain(records, batchStart, failed.transformsFailure());
        } catch (ProducerFencedException fenced) {
            renewAndRewind(fenced, batchStart);
        } catch (OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException fatal) {
            throw fatal;
        } catch (RefusedOutputException | PipelineOutputTopics.MissingOutputTopicException
                 | AccessRefusedException refused) {
            // the transform asked for what a pipeline cannot do, or for a topic nobody declared or Kafka refused
            // describing: the same input would ask again, so stop
            try {
                producer.abort();
            } catch (RuntimeException e) {
                refused.addSuppressed(e);
            }
            throw refused;
        } catch (InterruptException interrupted) {
            running = false;
            throw interrupted;
        } catch (Exception e) {
            ProducerFencedException fencedUnder = fencedCause(e);
            if (fencedUnder != null) {
                // fenced, as the producer's error state reports it (a send or the offsets' send failed on it)
                renewAndRewind(fencedUnder, batchStart);
                return;
            }
            Optional<AccessRefusedException> refusal = PipelineRefusals.of(pipeline, config.bootstrapServers(), e);
            if (refusal.isPresent()) {
                // a refusal wrapped by the producer's error state (an ACL taken away while running): the same batch
                // would be refused again, so stop
                try {
                    producer.abort();
                } catch (RuntimeException abortFailed) {
                    refusal.get().addSuppressed(abortFailed);
                }
                throw refusal.get();
            }
            // a refused or timed-out send, InvalidProducerEpochException (the coordinator aborted a transaction older
            // than transaction.timeout.ms; the abort takes the new epoch), ...
            readAgain(records, batchStart, e);
        }
    }

    /** Aborts the batch after {@code failure} and reads it again after a pause. */
    private void readAgain(ConsumerRecords<byte[], byte[]> records, Map<TopicPartition, Long> batchStart,
                           Exception failure) {
        LOG.warn("Transactional pipeline {} aborts a batch of {} record(s) and reads it again: {}",
                pipeline.transactionalId(), records.count(), failure.toString());
        try {
            abortAndRewind(batchStart);
        } catch (KafkaException abortFailed) {
            // fenced meanwhile: the abort throws it, or the error state that wraps it
            ProducerFencedException fenced = fencedCause(abortFailed);
            if (fenced == null) {
                throw abortFailed;
            }
            fenced.addSuppressed(failure);
            renewAndRewind(fenced, batchStart);
            return;
        }
        pause();
    }

    /** A failure of the transform itself, carried apart from the producer's (its cause is what the transform threw). */
    private static final class TransformFailed extends Exception {
        private static final long serialVersionUID = 1L;
        private final Exception failure;

        TransformFailed(Exception failure) {
            super(failure);
            this.failure = failure;
        }

        Exception transformsFailure() {
            return failure;
        }
    }

    /**
     * The fencing in {@code failure}'s causes (itself included), or null. Once fenced, the producer is in an error
     * state: its next transactional call throws a plain {@code KafkaException} whose cause is the fencing, which is
     * what decides (the pipeline stops, or renews its producer). A fencing can also reach the producer as
     * {@link InvalidTxnStateException}: the coordinator is aborting the transaction because another producer took the
     * transactional id (or the transaction outlived its timeout) when this one adds a partition or commits. It is
     * answered as the fencing it is, with that exception as its cause.
     */
    static ProducerFencedException fencedCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProducerFencedException fenced) {
                return fenced;
            }
            if (t instanceof InvalidTxnStateException invalid) {
                ProducerFencedException fenced = new ProducerFencedException("the transaction coordinator was ending "
                        + "this producer's transaction (another producer took its transactional id, or the "
                        + "transaction outlived transaction.timeout.ms): " + invalid.getMessage());
                fenced.initCause(invalid);
                return fenced;
            }
        }
        return null;
    }

    /** Runs the transform on every record and sends its outputs; returns the offsets that follow the batch. */
    private Map<TopicPartition, OffsetAndMetadata> transformAndSend(ConsumerRecords<byte[], byte[]> records)
            throws Exception {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Message input = toMessage(RecordMapping.fromKafka(record, () -> { }));
            List<PipelineOutput> outputs;
            try {
                outputs = transform.apply(input);
            } catch (InterruptException interrupted) {
                throw interrupted; // the pipeline's close, as from its own calls
            } catch (Exception e) {
                throw new TransformFailed(e);
            }
            for (int i = 0; i < outputs.size(); i++) {
                OutboundRecord output = toRecord(input.id(), i, outputs.get(i));
                if (outputTopics != null) {
                    outputTopics.check(output.topic());
                }
                producer.send(RecordMapping.toKafka(output));
            }
            next.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
        }
        return next;
    }

    /**
     * A fenced producer is defunct. If its transaction had outlived {@code transaction.timeout.ms}, the coordinator
     * fenced it (it aborts such a transaction and bumps the epoch): a new producer takes the id and the batch runs
     * again. Otherwise another instance with the same transactional id did, and the pipeline stops.
     */
    private void renewAndRewind(ProducerFencedException fenced, Map<TopicPartition, Long> batchStart) {
        if (!producer.outlivedTimeout()) {
            throw fenced;
        }
        LOG.warn("Transactional pipeline {}: a batch ran longer than transaction.timeout.ms ({} ms), so the transaction "
                + "coordinator aborted it and fenced the producer; a new producer takes the transactional id and the "
                + "batch is read again: {}", pipeline.transactionalId(), producer.transactionTimeout().toMillis(),
                fenced.toString());
        if (producer.renew()) {
            rewind(batchStart);
            pause();
        }
    }

    /**
     * Aborts the open transaction and moves the consumer back to the first record of the batch on each partition,
     * so every record of the batch is read again (the committed offset, or for a partition without one the reset
     * policy, could lie after it).
     */
    private void abortAndRewind(Map<TopicPartition, Long> batchStart) {
        if (producer.abort()) {
            rewind(batchStart);
        }
    }

    private void rewind(Map<TopicPartition, Long> batchStart) {
        Set<TopicPartition> assigned = consumer.assignment();
        batchStart.forEach((partition, offset) -> {
            if (assigned.contains(partition)) {
                consumer.seek(partition, offset);
            }
        });
    }

    private static Map<TopicPartition, Long> firstOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            first.put(partition, records.records(partition).get(0).offset());
        }
        return first;
    }

    private void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(RETRY_BACKOFF_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** The input as the transform sees it: Keel's headers become the id, key and timestamp. */
    private static Message toMessage(InboundRecord record) {
        Message.Builder builder = Message.builder(record.payload()).id(record.id()).key(record.key())
                .timestamp(record.timestamp());
        record.headers().forEach((name, value) -> {
            if (!KeelHeaders.isReserved(name)) {
                builder.header(name, value);
            }
        });
        return builder.build();
    }

    /**
     * The output as a record with Keel's headers (id, key, timestamp, priority).
     *
     * @throws RefusedOutputException when the output is delayed: its delivery time would otherwise be dropped
     */
    private OutboundRecord toRecord(String inputId, int index, PipelineOutput output) {
        if (output.topic().equals(pipeline.inputTopic())) {
            throw new IllegalArgumentException("a transform wrote to its own input topic " + output.topic()
                    + ": the pipeline would read its output again");
        }
        Message message = output.message();
        String id = message.id() != null ? message.id() : inputId + "-" + index;
        Instant now = Instant.now();
        if (OutboundRecords.isDelayed(message, now)) {
            throw new RefusedOutputException("output " + id + " to " + output.topic() + " has a delivery time "
                    + "(delay or deliverAt), but a pipeline output cannot be delayed: it is written in the "
                    + "pipeline's transaction, never to the topic's delay topic. Write it without a delay (a "
                    + "subscriber of the output can publish the delayed message with a Keel publisher); the "
                    + "pipeline stops");
        }
        return OutboundRecords.of(output.topic(), message, id, message.timestamp() != null ? message.timestamp() : now);
    }

    /** A pipeline output the pipeline cannot write as asked: it stops the pipeline (each retry would ask again). */
    static final class RefusedOutputException extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        RefusedOutputException(String message) {
            super(message);
        }
    }

    private void closeQuietly() {
        CloseOptions options = CloseOptions.timeout(config.closeTimeout())
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                consumer.close(options);
                break;
            } catch (WakeupException e) {
                // close() woke a consumer that had already returned from poll: close again
            } catch (RuntimeException e) {
                LOG.debug("Closing the pipeline consumer failed: {}", e.toString());
                break;
            }
        }
        try {
            producer.close(config.closeTimeout());
        } catch (RuntimeException e) {
            LOG.debug("Closing the pipeline producer failed: {}", e.toString());
        }
    }
}
