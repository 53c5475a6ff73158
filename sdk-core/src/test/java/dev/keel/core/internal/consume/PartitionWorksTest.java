package dev.keel.core.internal.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.internal.chain.Work;
import dev.keel.spi.InboundRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A partition's register of works is written by the receiving thread only and never by the lanes, so finished works
 * leave it only when it prunes them: it must stay bounded while one work stays unfinished for long (a slow handler,
 * a parked message) and everything behind it finishes.
 */
class PartitionWorksTest {

    @Test
    void theRegisterShouldStayBoundedWhileItsFirstWorkStaysUnfinished() {
        PartitionWorks register = new PartitionWorks();
        Work slow = work(0);
        register.addAll(List.of(slow));
        long position = 1;
        for (int batch = 0; batch < 200; batch++) {
            List<Work> works = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                works.add(work(position++));
            }
            register.addAll(works);
            works.forEach(Work::finish);
        }
        assertThat(register.size()).as("works held after 20,000 finished behind one unfinished")
                .isLessThanOrEqualTo(PartitionWorks.MIN_COMPACT + 2 * 100);
        assertThat(register.unfinished()).containsExactly(slow);
        assertThat(register.unfinishedCount()).isEqualTo(1);
    }

    @Test
    void aRevokedRegisterShouldHandOverItsUnfinishedWorksAndRefuseLaterOnes() {
        PartitionWorks register = new PartitionWorks();
        Work done = work(0);
        Work queued = work(1);
        register.addAll(List.of(done, queued));
        done.finish();

        assertThat(register.takeAll()).containsExactly(queued);
        assertThat(register.addAll(List.of(work(2)))).isFalse();
        assertThat(register.unfinished()).isEmpty();
    }

    private static Work work(long position) {
        return new Work(new InboundRecord("t", "0", position, "id-" + position, null, Map.of(), new byte[0],
                Instant.EPOCH, 1, () -> { }));
    }
}
