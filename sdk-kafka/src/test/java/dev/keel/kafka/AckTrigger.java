package dev.keel.kafka;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Injects a fault from inside a producer Keel creates ({@code interceptor.classes}): once armed, the first
 * acknowledged record runs the armed action on the producer's I/O thread. A transactional producer with a long
 * {@code linger.ms} sends its records only when {@code commitTransaction()} flushes them, and sends the
 * {@code EndTxn} request only after they are acknowledged, so the action runs between the flush and the
 * commit request: a fault turned on there hits the commit itself. Also a consumer interceptor that does nothing,
 * since a {@link KafkaConfig}'s pass-through properties reach Keel's consumers as well.
 */
public final class AckTrigger implements ProducerInterceptor<byte[], byte[]>, ConsumerInterceptor<byte[], byte[]> {

    private static final AtomicReference<Runnable> ARMED = new AtomicReference<>();
    private static final AtomicReference<Runnable> ARMED_AT_SEND = new AtomicReference<>();
    private static final AtomicInteger SENDS_TO_GO = new AtomicInteger();
    private static final AtomicInteger FAILED_ACKS = new AtomicInteger();

    /** Runs {@code action} once, at the next acknowledged record of any producer using this interceptor. */
    static void arm(Runnable action) {
        ARMED.set(action);
    }

    /**
     * Runs {@code action} once, on the sending thread, inside the {@code nth} {@code send} from now of any producer
     * using this interceptor (before the record is appended to its batch: it is sent all the same).
     */
    static void armAtSend(int nth, Runnable action) {
        SENDS_TO_GO.set(nth);
        ARMED_AT_SEND.set(action);
    }

    static void disarm() {
        ARMED.set(null);
        ARMED_AT_SEND.set(null);
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        if (ARMED_AT_SEND.get() != null && SENDS_TO_GO.decrementAndGet() == 0) {
            Runnable action = ARMED_AT_SEND.getAndSet(null);
            if (action != null) {
                action.run();
            }
        }
        return record;
    }

    /** How many records, of any producer using this interceptor, the broker did not take so far. */
    static int failedAcks() {
        return FAILED_ACKS.get();
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        if (exception != null) {
            FAILED_ACKS.incrementAndGet();
        }
        if (exception == null) {
            Runnable action = ARMED.getAndSet(null);
            if (action != null) {
                action.run();
            }
        }
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        // nothing: the pipeline's consumer never commits itself
    }

    @Override
    public void close() {
        // nothing held
    }

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }
}
