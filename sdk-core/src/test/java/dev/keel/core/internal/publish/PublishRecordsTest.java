package dev.keel.core.internal.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.core.internal.ManualClock;
import dev.keel.spi.OutboundRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The record a publish makes of a message: its id, timestamp, due time, headers and payload. */
class PublishRecordsTest {

    /** A clock that moves on by a millisecond every time it is read, and counts its reads. */
    static final class TickingClock extends Clock {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return ManualClock.START.plusMillis(reads.getAndIncrement());
        }
    }

    @Test
    void theIdTheTimestampAndTheDueTimeShouldComeFromOneReadingOfTheClock() {
        TickingClock clock = new TickingClock();
        OutboundRecord record = new PublishRecords(clock).of("orders",
                Message.builder("a".getBytes()).delay(Duration.ofSeconds(30)).build());

        assertThat(clock.reads).as("the clock read once per publish").hasValue(1);
        long idMillis = UUID.fromString(record.id()).getMostSignificantBits() >>> 16;
        assertThat(idMillis).isEqualTo(record.timestamp().toEpochMilli());
        assertThat(record.deliverAt()).isEqualTo(record.timestamp().plusSeconds(30));
        assertThat(record.headers()).containsEntry(KeelHeaders.TIMESTAMP,
                Long.toString(record.timestamp().toEpochMilli()));
    }

    @Test
    void aMessageWithoutADelayShouldHaveNoDueTime() {
        OutboundRecord record = new PublishRecords(new ManualClock()).of("orders", Message.ofText("a"));
        assertThat(record.deliverAt()).isNull();
        assertThat(record.headers()).doesNotContainKey(KeelHeaders.DELIVER_AT);
    }

    @Test
    void theRecordShouldShareTheMessagesPayloadBytesNotCopyThem() {
        byte[] bytes = "payload".getBytes();
        Message message = Message.builder(bytes).build();
        bytes[0] = 'X'; // the application's array: the message copied it when built

        OutboundRecord record = new PublishRecords(new ManualClock()).of("orders", message);

        assertThat(record.payload()).as("the message's own array").isSameAs(message.payload(new Codec<byte[]>() {
            @Override
            public byte[] encode(byte[] value) {
                return value;
            }

            @Override
            public byte[] decode(byte[] payload) {
                return payload; // a codec is handed the message's array as it is
            }
        }));
        assertThat(record.payload()).isEqualTo("payload".getBytes());
    }

    @Test
    void aMessageWithADeliveryTimeInThePastShouldHaveNoDueTime() {
        ManualClock clock = new ManualClock();
        OutboundRecord record = new PublishRecords(clock).of("orders",
                Message.builder("a".getBytes()).deliverAt(ManualClock.START.minusSeconds(1)).build());
        assertThat(record.deliverAt()).isNull();
    }
}
