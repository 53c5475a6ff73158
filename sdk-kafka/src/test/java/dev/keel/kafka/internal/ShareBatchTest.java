package dev.keel.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * What a share consumer holds, as its polls return records. A record handed back and taken again by the member's own
 * client while its batch renewed other records came back in one poll at two deliveries (the lock of the first ran out
 * in the client): Keel kept the first count, held the record back at close as not at its last delivery, and released
 * it, and the broker archived it, neither handled nor dead-lettered (a fresh review's probe, 4 of 4 runs).
 */
class ShareBatchTest {

    @Test
    void aRecordReturnedAgainAtALaterDeliveryShouldTakeThatDeliverysCount() {
        ShareBatch batch = new ShareBatch();
        List<ShareBatch.Held> fresh = batch.received(List.of(record(1, 2), record(1, 3)));

        assertThat(fresh).hasSize(1);
        assertThat(fresh.get(0).deliveryCount()).as("the delivery the broker counts").isEqualTo(3);
        assertThat(fresh.get(0).record().deliveryCount()).contains((short) 3);
        assertThat(batch.undecidedAtDelivery(3)).as("undecided at the last delivery of a limit of 3")
                .containsExactly("0-1");
    }

    @Test
    void anEarlierDeliveryReturnedLateShouldNotLowerTheCount() {
        ShareBatch batch = new ShareBatch();
        batch.received(List.of(record(1, 3)));
        batch.received(List.of(record(1, 2)));

        assertThat(batch.undecidedAtDelivery(3)).containsExactly("0-1");
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, int deliveryCount) {
        return new ConsumerRecord<>("t", 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0, new byte[0], new byte[0],
                new RecordHeaders(), Optional.empty(), Optional.of((short) deliveryCount));
    }
}
