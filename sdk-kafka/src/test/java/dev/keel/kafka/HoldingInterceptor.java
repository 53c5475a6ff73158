package dev.keel.kafka;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * A producer interceptor ({@code interceptor.classes}) that holds {@code KafkaProducer.send} of records whose topic
 * starts with {@value #PREFIX} until {@link #release()}: a producer that accepts records more slowly than they
 * are published, on demand.
 */
public final class HoldingInterceptor implements ProducerInterceptor<byte[], byte[]> {

    static final String PREFIX = "held-";
    private static volatile CountDownLatch gate = new CountDownLatch(0);

    /** From now on, sends of held topics wait. */
    static void hold() {
        gate = new CountDownLatch(1);
    }

    static void release() {
        gate.countDown();
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        if (record.topic().startsWith(PREFIX)) {
            try {
                if (!gate.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("HoldingInterceptor was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
