package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** A bench that timed out says what went unanswered, even when the timeout carries no message of its own. */
class BenchTimeoutMessageTest {

    @Test
    void aTimeoutWithoutAMessageShouldSayThatACallToTheBrokerWentUnansweredNotNull() {
        String said = BenchCommand.timedOut(new TimeoutException(), false);

        assertThat(said).doesNotContain("null").contains("a call to the broker went unanswered (TimeoutException)")
                .contains("--timeout");
    }

    @Test
    void aTimeoutWithAMessageShouldKeepIt() {
        String said = BenchCommand.timedOut(new TimeoutException("publish not confirmed within PT30S"), false);

        assertThat(said).startsWith("bench: publish not confirmed within PT30S. The broker is too slow or stuck");
    }

    @Test
    void aTimeoutWithRedisAsTheStoreShouldNameRedisBesideTheBroker() {
        String said = BenchCommand.timedOut(new TimeoutException("consume EFFECTIVELY_ONCE: only 7 of 9 messages "
                + "arrived within 1 s (--timeout)"), true);

        assertThat(said).contains("The broker or Redis (--redis) is too slow or stuck: check them")
                .endsWith("use fewer --messages or a longer --timeout.");
    }
}
