package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetters;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A dead-letter read ends after its quiet period: the default, or the one {@code withQuietPeriod}
 * chose (the redrive contract reads every broker's dead letters with a shorter one).
 */
class DeadLetterQuietPeriodTest {

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final Keel keel = Keel.builder(broker.connect()).build();

    @AfterEach
    void close() {
        keel.close();
    }

    @Test
    void readsShouldWaitTheDefaultQuietPeriodUnlessAnotherIsChosen() {
        DeadLetters letters = keel.deadLetters("orders", "billing");
        DeadLetters quick = letters.withQuietPeriod(Duration.ofMillis(200));

        assertThat(letters.quietPeriod()).isEqualTo(DeadLetters.DEFAULT_QUIET);
        assertThat(quick.quietPeriod()).isEqualTo(Duration.ofMillis(200));
        assertThat(quick.group()).isEqualTo("billing");
        assertThat(quick.deadLetterTopic()).isEqualTo(letters.deadLetterTopic());
    }

    @Test
    void aQuietPeriodOutsideOneMillisecondToOneHourShouldBeRefused() {
        DeadLetters letters = keel.deadLetters("orders", "billing");

        assertThatThrownBy(() -> letters.withQuietPeriod(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quiet period must be positive");
        assertThatThrownBy(() -> letters.withQuietPeriod(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> letters.withQuietPeriod(Duration.ofNanos(999_999)))
                .as("reads wait in whole milliseconds: less than one would end every read at once")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> letters.withQuietPeriod(Duration.ofDays(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> letters.withQuietPeriod(null)).isInstanceOf(NullPointerException.class);
    }
}
