package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.TopicNotFoundException;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.spi.Capability;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Operations on a topic that does not exist: a replay, a reprocess, a listing or a re-drive of its dead letters
 * fails at once with a {@link TopicNotFoundException} naming the topic, not retriable (trying again cannot help),
 * instead of waiting, reading nothing or reporting a transient failure. A topic that exists but never had a dead
 * letter (its dead-letter topic was never created) reads as empty, at once, and nothing is created for it. Every
 * adapter runs it; the replay tests skip, naming {@link Capability#REPLAY}, where it is not declared.
 */
public abstract class MissingTopicContract extends BrokerContractSupport {

    /** Well below {@link DeadLetters#DEFAULT_FIRST_WAIT}: an answer that needs no broker read to know. */
    private static final Duration AT_ONCE = Duration.ofSeconds(20);

    @Test
    void aReplayOfATopicThatDoesNotExistShouldFailNamingIt() {
        assumeCapability(Capability.REPLAY);
        Keel keel = newKeel();

        assertMissing(catchThrowable(() -> keel.replay(topic, group, Instant.now().minusSeconds(60))), topic);
        assertMissing(catchThrowable(() -> keel.reprocess(topic, group, Instant.now().minusSeconds(60))), topic);
    }

    @Test
    void deadLettersOfATopicThatDoesNotExistShouldFailNamingIt() {
        Keel keel = newKeel();
        DeadLetters letters = keel.deadLetters(topic, group).withQuietPeriod(RedriveScopeContract.READ_QUIET);

        long start = System.nanoTime();
        assertMissing(catchThrowable(() -> letters.list(DeadLetterFilter.all())), topic);
        assertMissing(catchThrowable(() -> letters.redrive(DeadLetterFilter.all(), RedriveListener.NONE)), topic);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered without waiting for letters")
                .isLessThan(AT_ONCE);
    }

    @Test
    void deadLettersOfATopicThatNeverHadOneShouldReadAsEmpty() {
        Keel keel = newKeel();
        declare(keel);
        DeadLetters letters = keel.deadLetters(topic, group).withQuietPeriod(RedriveScopeContract.READ_QUIET);

        long start = System.nanoTime();
        assertThat(letters.list(DeadLetterFilter.all())).isEmpty();
        assertThat(letters.redrive(DeadLetterFilter.all(), RedriveListener.NONE))
                .isEqualTo(new RedriveResult(0, 0, 0, 0));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered without waiting for letters")
                .isLessThan(AT_ONCE);
        // reading created no dead-letter topic: a subscription still creates it as it would have
        assertMissing(catchThrowable(() -> keel.deadLetters(deadLetters, group).list(DeadLetterFilter.all())),
                deadLetters);
    }

    private static void assertMissing(Throwable thrown, String topic) {
        assertThat(thrown).isInstanceOf(TopicNotFoundException.class);
        TopicNotFoundException missing = (TopicNotFoundException) thrown;
        assertThat(missing.topic()).isEqualTo(topic);
        assertThat(missing.isRetriable()).as("retriable").isFalse();
        assertThat(missing.getMessage()).contains(topic).contains("does not exist")
                .doesNotContainIgnoringCase("try again");
    }
}
