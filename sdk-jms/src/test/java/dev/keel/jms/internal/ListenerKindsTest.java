package dev.keel.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** How long the answer to "is every server a listener of the other kind?" is remembered. */
class ListenerKindsTest {

    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger asked = new AtomicInteger();

    /** A server that answers the given answers in turn, then nothing. */
    private ListenerKinds kinds(Deque<Optional<String>> answers) {
        return new ListenerKinds("ActiveMQ Classic", List.of(new ListenerKinds.Server("127.0.0.1", 61616, true)),
                server -> {
                    asked.incrementAndGet();
                    return answers.isEmpty() ? Optional.empty() : answers.poll();
                }, "ssl://", nanos::get);
    }

    private void advanceSeconds(long seconds) {
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void aMismatchFoundShouldStillBeToldWhenTheServerIsSlowToGreetSecondsLater() {
        ListenerKinds kinds = kinds(new ArrayDeque<>(List.of(Optional.of("it answered in plaintext"))));
        IOException lost = new IOException("connection lost");

        assertThat(kinds.mismatch(lost)).get().asString().contains("is a plaintext listener");
        advanceSeconds(10); // a subscription after a publish that took a while; the server would now answer nothing

        assertThat(kinds.mismatch(lost)).as("still the listener's kind").get().asString()
                .contains("is a plaintext listener");
        assertThat(asked).as("not asked again").hasValue(1);
    }

    @Test
    void aMismatchShouldBeAskedAgainAfterAMinute() {
        ListenerKinds kinds = kinds(new ArrayDeque<>(List.of(Optional.of("it answered in plaintext"))));
        IOException lost = new IOException("connection lost");
        kinds.mismatch(lost);

        advanceSeconds(61); // the broker may have been reconfigured meanwhile

        assertThat(kinds.mismatch(lost)).isEmpty();
        assertThat(asked).hasValue(2);
    }

    @Test
    void noMismatchShouldBeAskedAgainAfterAFewSeconds() {
        ListenerKinds kinds = kinds(new ArrayDeque<>(List.of(Optional.empty(), Optional.of("it answered in plaintext"))));
        IOException lost = new IOException("connection lost");
        assertThat(kinds.mismatch(lost)).isEmpty();

        advanceSeconds(3);
        assertThat(kinds.mismatch(lost)).as("remembered").isEmpty();
        advanceSeconds(3);

        assertThat(kinds.mismatch(lost)).as("asked again: a broker away may come back as the other kind").isPresent();
        assertThat(asked).hasValue(2);
    }
}
