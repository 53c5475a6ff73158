package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A close's deadline, and the floor its final offset writes get when a rebalance used it up first. */
class DeadlineTest {

    @Test
    void aPassedDeadlineShouldLeaveTheFinalWritesTheirFloor() {
        Deadline passed = Deadline.in(Duration.ZERO);

        Deadline writes = passed.atLeast(Duration.ofSeconds(1));

        assertThat(writes.passed()).isFalse();
        assertThat(writes.remainingNanos()).isGreaterThan(Duration.ofMillis(500).toNanos());
    }

    @Test
    void aDeadlineWithMoreThanTheFloorLeftShouldStayAsItIs() {
        Deadline later = Deadline.in(Duration.ofMinutes(1));

        assertThat(later.atLeast(Duration.ofSeconds(1))).isSameAs(later);
    }
}
