package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** A bench that timed out says what went unanswered, even when the timeout carries no message of its own. */
class BenchTimeoutMessageTest {

    @Test
    void aTimeoutWithoutAMessageShouldSayThatACallToTheBrokerWentUnansweredNotNull() {
        String said = BenchCommand.timedOut(new TimeoutException());

        assertThat(said).doesNotContain("null").contains("a call to the broker went unanswered (TimeoutException)")
                .contains("--timeout");
    }

    @Test
    void aTimeoutWithAMessageShouldKeepIt() {
        String said = BenchCommand.timedOut(new TimeoutException("publish not confirmed within PT30S"));

        assertThat(said).startsWith("bench: publish not confirmed within PT30S. The broker is too slow or stuck");
    }
}
