package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.PublishException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The learned limit: what is over it fails at once for {@link SizeRefusals#MEMORY}, then is sent again. */
class SizeRefusalsTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final SizeRefusals refusals = new SizeRefusals(now::get);

    @Test
    void aMessageOverALimitRefusedWithinTheMemoryShouldFailAtOnceAndOneAtOrUnderItShouldPass() {
        refusals.refused(new SizeRefusal(2_000, 1_024));

        assertThatThrownBy(() -> refusals.check("t", "m-1", 1_025)).isInstanceOf(PublishException.class)
                .hasMessageContaining("m-1").hasMessageContaining("1024 bytes").hasMessageContaining("was not sent");
        assertThatCode(() -> refusals.check("t", "m-2", 1_024)).doesNotThrowAnyException();
    }

    @Test
    void aMessageOverTheLimitShouldBeSentAgainOnceTheMemoryPassedSoThatARaisedLimitTakesEffect() {
        refusals.refused(new SizeRefusal(2_000, 1_024));
        now.addAndGet(SizeRefusals.MEMORY.toNanos());

        assertThatCode(() -> refusals.check("t", "m-1", 1_025)).doesNotThrowAnyException();
    }

    @Test
    void nothingShouldBeRefusedBeforeRabbitMqRefusedAMessage() {
        assertThatCode(() -> refusals.check("t", "m-1", Integer.MAX_VALUE)).doesNotThrowAnyException();
    }
}
