package dev.keel.kafka.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional producer of a {@link KafkaPipeline}, used by its loop thread only, with kafka-clients' rules
 * for timeouts and fencing:
 * <ul>
 *   <li>a {@code commitTransaction()} or {@code abortTransaction()} that timed out may still complete, so the only
 *       call allowed next is the same one: it is repeated until it is answered, or until the pipeline stops;</li>
 *   <li>{@code initTransactions()} is repeated likewise;</li>
 *   <li>after {@code ProducerFencedException} the producer is defunct. When the transaction had run longer than
 *       {@code transaction.timeout.ms}, the coordinator aborted it and bumped the epoch itself (whichever request
 *       comes next is fenced), so {@link #renew()} closes the producer and fences in a new one with the same
 *       {@code transactional.id}; a younger transaction can only have been fenced by another instance.</li>
 * </ul>
 */
final class PipelineProducer {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineProducer.class);

    private final Map<String, Object> properties;
    private final String transactionalId;
    private final Duration transactionTimeout;
    private final BooleanSupplier running;
    private final Clock clock;
    private KafkaProducer<byte[], byte[]> producer;
    private Instant begun = Instant.MAX;

    /** Creates the producer and fences earlier owners of its {@code transactional.id}. */
    PipelineProducer(Map<String, Object> properties, BooleanSupplier running, Clock clock) {
        this.properties = Map.copyOf(properties);
        this.transactionalId = String.valueOf(properties.get(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
        this.transactionTimeout = Duration.ofMillis(Long.parseLong(String.valueOf(properties.getOrDefault(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, ProducerConfig.configDef().defaultValues()
                        .get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG))).trim()));
        this.running = running;
        this.clock = clock;
        this.producer = start(false);
    }

    void begin() {
        begun = clock.instant();
        producer.beginTransaction();
    }

    void send(ProducerRecord<byte[], byte[]> record) {
        producer.send(record);
    }

    void sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        producer.sendOffsetsToTransaction(offsets, group);
    }

    /**
     * Commits the open transaction, repeating a commit that timed out; returns false when the pipeline stopped
     * before the commit was answered (the coordinator then completes it, or aborts it when its timeout runs out or
     * the next owner of the transactional id fences this one).
     */
    boolean commit() {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commitTransaction();
                return true;
            } catch (TimeoutException timedOut) {
                if (!running.getAsBoolean()) {
                    LOG.warn("Transactional pipeline {} stopped while its commit was unanswered ({} attempt(s)); the "
                            + "transaction coordinator completes or aborts it", transactionalId, attempt);
                    return false;
                }
                LOG.warn("Transactional pipeline {}: the commit was not answered within max.block.ms (attempt {}); "
                        + "repeating the same commit: {}", transactionalId, attempt, timedOut.toString());
            }
        }
    }

    /** Aborts the open transaction, repeating an abort that timed out; false when the pipeline stopped first. */
    boolean abort() {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.abortTransaction();
                return true;
            } catch (TimeoutException timedOut) {
                if (!running.getAsBoolean()) {
                    LOG.warn("Transactional pipeline {} stopped while its abort was unanswered ({} attempt(s)); the "
                            + "transaction coordinator aborts it", transactionalId, attempt);
                    return false;
                }
                LOG.warn("Transactional pipeline {}: the abort was not answered within max.block.ms (attempt {}); "
                        + "repeating it: {}", transactionalId, attempt, timedOut.toString());
            }
        }
    }

    /** Whether the open transaction has run longer than {@code transaction.timeout.ms}. */
    boolean outlivedTimeout() {
        return Duration.between(begun, clock.instant()).compareTo(transactionTimeout) > 0;
    }

    Duration transactionTimeout() {
        return transactionTimeout;
    }

    /**
     * Closes the fenced producer and starts a new one with the same {@code transactional.id}, whose
     * {@code initTransactions()} takes the new epoch; false when the pipeline stopped first.
     */
    boolean renew() {
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.debug("Closing the fenced pipeline producer failed: {}", e.toString());
        }
        KafkaProducer<byte[], byte[]> renewed = start(true);
        if (renewed == null) {
            return false;
        }
        producer = renewed;
        return true;
    }

    void close(Duration timeout) {
        producer.close(timeout);
    }

    /**
     * A new producer, initialized: {@code initTransactions()} fences an earlier owner of the id and aborts what it
     * left open. In the loop ({@code retry}) a timed-out initialization is repeated while the pipeline runs (null when
     * it stopped); at construction it fails the constructor.
     */
    private KafkaProducer<byte[], byte[]> start(boolean retry) {
        KafkaProducer<byte[], byte[]> created = ClientSetup.create("the producer of transactional pipeline "
                + transactionalId, properties, () -> new KafkaProducer<byte[], byte[]>(properties));
        for (int attempt = 1; ; attempt++) {
            try {
                created.initTransactions();
                return created;
            } catch (TimeoutException timedOut) {
                if (!retry || !running.getAsBoolean()) {
                    created.close(Duration.ZERO);
                    if (!retry) {
                        throw timedOut;
                    }
                    return null;
                }
                LOG.warn("Transactional pipeline {}: initTransactions was not answered within max.block.ms (attempt "
                        + "{}); repeating it: {}", transactionalId, attempt, timedOut.toString());
            } catch (RuntimeException e) {
                created.close(Duration.ZERO);
                throw e;
            }
        }
    }
}
