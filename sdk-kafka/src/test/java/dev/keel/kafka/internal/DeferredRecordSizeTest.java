package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spi.InboundRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A record the poll thread hands over unmapped still counts its payload toward the subscription's in-flight bytes
 * ({@code SubscriptionConfig.maxInFlightBytes}): its size is known before its lane maps it.
 */
class DeferredRecordSizeTest {

    @Test
    void anUnmappedRecordShouldCarryItsValuesLengthBeforeItIsMapped() {
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("orders", 2, 7L, "k".getBytes(), new byte[123_456]);
        InboundRecord record = RecordMapping.deferred(r, () -> { });

        assertThat(record.toString()).as("not mapped by asking its size").contains("not mapped yet");
        assertThat(record.payloadSize()).isEqualTo(123_456);
        assertThat(record.payload()).hasSize(123_456);
    }

    @Test
    void aTombstoneShouldCountAsNoBytes() {
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("orders", 0, 1L, "k".getBytes(), null);

        assertThat(RecordMapping.deferred(r, () -> { }).payloadSize()).isZero();
    }
}
