package dev.keel.core.internal.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.claims.Claiming;
import dev.keel.spi.InboundRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Parked messages (neither handled nor dead-lettered yet) give back their in-flight slot and payload bytes so other
 * keys keep flowing, but only until the bytes they gave back reach the subscription's byte bound: a subscription
 * whose large dead letters all fail ends up paused, not holding unbounded memory.
 */
class ParkedBytesBoundTest {

    private final RecordingConsumer consumer = new RecordingConsumer();
    private final FlowControl flow = new FlowControl(consumer, 100, 1_000);
    private final InFlight inFlight = new InFlight(flow, Claiming.NONE, 100, 1_000);

    @Test
    void parkedMessagesShouldStopGivingBackTheirBytesOnceTheyGaveBackTheByteBound() {
        List<Work> works = add(5, 400);
        for (Work work : works) {
            work.park();
            inFlight.parked(work);
        }

        assertThat(inFlight.slotsGivenBack()).as("400, 800, then 1,200 bytes given back: the fourth keeps its own")
                .isEqualTo(3);
        assertThat(flow.inFlightBytes()).isEqualTo(800);
        assertThat(consumer.calls).as("the two that kept their bytes hold the subscription at its bound: still paused")
                .containsExactly("pause");
    }

    @Test
    void aParkedMessageThatFinishesShouldTakeItsBytesOffTheGivenBackAndLetTheNextGiveBack() {
        List<Work> works = add(4, 400);
        for (int i = 0; i < 3; i++) {
            works.get(i).park();
            inFlight.parked(works.get(i));
        }
        inFlight.finished(works.get(0));
        works.get(3).park();
        inFlight.parked(works.get(3));

        assertThat(inFlight.slotsGivenBack()).as("800 bytes given back after the first finished: the fourth may too")
                .isEqualTo(3);
        assertThat(flow.inFlightBytes()).isEqualTo(0);
        assertThat(consumer.calls).containsExactly("pause", "resume");
    }

    private List<Work> add(int n, int size) {
        List<InboundRecord> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(new InboundRecord("t", "0", i, "id-" + i, "k" + i, Map.of(), new byte[size], Instant.EPOCH, 1,
                    () -> { }));
        }
        return inFlight.add(records);
    }
}
