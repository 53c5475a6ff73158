package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PauseMeterTest {

    @Test
    void theLongestGapBetweenEventsShouldCountFromTheStartAndNotAfterTheLastEvent() {
        AtomicLong now = new AtomicLong(1_000);
        PauseMeter meter = new PauseMeter(now::get);

        now.addAndGet(Duration.ofMillis(300).toNanos());
        meter.mark();
        now.addAndGet(Duration.ofSeconds(8).toNanos());
        meter.mark();
        now.addAndGet(Duration.ofMillis(5).toNanos());
        meter.mark();
        now.addAndGet(Duration.ofMinutes(1).toNanos());

        assertThat(meter.longest()).isEqualTo(Duration.ofSeconds(8));
    }
}
