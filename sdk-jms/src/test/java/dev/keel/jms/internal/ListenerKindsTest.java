package dev.keel.jms.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.jms.internal.ListenerKinds.Kind;
import dev.keel.jms.internal.ListenerKinds.Reply;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Whether a failure is a listener of the other kind than the client's: what the server answers now decides, and a
 * mismatch found is remembered only to settle a server's silence.
 */
class ListenerKindsTest {

    private static final Reply PLAINTEXT = Reply.otherKind("it answered in plaintext");
    private static final IOException LOST = new IOException("connection lost");

    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger asked = new AtomicInteger();

    /** A TLS client's one server, which answers the given replies in turn, then refuses the connection. */
    private ListenerKinds kinds(Reply... replies) {
        Deque<Reply> answers = new ArrayDeque<>(List.of(replies));
        return new ListenerKinds("ActiveMQ Classic", List.of(new ListenerKinds.Server("127.0.0.1", 61616, true)),
                server -> {
                    asked.incrementAndGet();
                    return answers.isEmpty() ? Reply.of(Kind.NONE) : answers.poll();
                }, "ssl://", nanos::get);
    }

    private void advanceSeconds(long seconds) {
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void aMismatchFoundShouldStillBeToldWhenTheServerIsSlowToGreetSecondsLater() {
        ListenerKinds kinds = kinds(PLAINTEXT, Reply.of(Kind.SILENT));
        assertThat(kinds.mismatch(LOST)).get().asString().contains("is a plaintext listener");

        advanceSeconds(10); // a subscription after a publish that took a while; the loaded server greets too late

        assertThat(kinds.mismatch(LOST)).as("still the listener's kind").get().asString()
                .contains("is a plaintext listener");
    }

    @Test
    void aServerThatRefusesTheConnectionAfterAMismatchShouldBeAnOutage() {
        ListenerKinds kinds = kinds(PLAINTEXT, Reply.of(Kind.NONE));
        assertThat(kinds.mismatch(LOST)).isPresent();

        advanceSeconds(2); // the broker stopped: nothing listens

        assertThat(kinds.mismatch(LOST)).as("a broker away, whatever was found before").isEmpty();
    }

    @Test
    void aServerOfTheClientsKindAfterAMismatchShouldBeAnOutageAndItsSilenceToo() {
        ListenerKinds kinds = kinds(PLAINTEXT, Reply.of(Kind.OWN), Reply.of(Kind.SILENT));
        assertThat(kinds.mismatch(LOST)).isPresent();

        advanceSeconds(2); // the broker was reconfigured: it answers as the client's kind
        assertThat(kinds.mismatch(LOST)).isEmpty();
        advanceSeconds(6); // then it is slow to greet

        assertThat(kinds.mismatch(LOST)).as("the mismatch found before no longer stands").isEmpty();
        assertThat(asked).hasValue(3);
    }

    @Test
    void aServerAwayAfterAMismatchThenSilentShouldBeAnOutage() {
        ListenerKinds kinds = kinds(PLAINTEXT, Reply.of(Kind.NONE), Reply.of(Kind.SILENT));
        assertThat(kinds.mismatch(LOST)).isPresent();
        advanceSeconds(2); // stopped
        assertThat(kinds.mismatch(LOST)).isEmpty();
        advanceSeconds(6); // back, maybe configured otherwise, and slow to greet

        assertThat(kinds.mismatch(LOST)).as("what was found was of the listener that went away").isEmpty();
    }

    @Test
    void aBurstOfFailuresShouldAskOnce() {
        ListenerKinds kinds = kinds(PLAINTEXT);
        for (int i = 0; i < 100; i++) {
            assertThat(kinds.mismatch(LOST)).isPresent();
        }
        assertThat(asked).hasValue(1);

        nanos.addAndGet(ListenerKinds.MISMATCH_REUSED_NANOS);

        assertThat(kinds.mismatch(LOST)).as("asked again: the server now refuses the connection").isEmpty();
        assertThat(asked).hasValue(2);
    }

    @Test
    void aSilentServerShouldBeAnOutageWithoutAMismatchFoundWithinAMinute() {
        assertThat(kinds(Reply.of(Kind.SILENT)).mismatch(LOST)).isEmpty();

        ListenerKinds kinds = kinds(PLAINTEXT, Reply.of(Kind.SILENT), Reply.of(Kind.SILENT));
        kinds.mismatch(LOST);
        advanceSeconds(30);
        assertThat(kinds.mismatch(LOST)).isPresent();
        advanceSeconds(31); // a silence does not renew what was found

        assertThat(kinds.mismatch(LOST)).as("a minute after the mismatch was found").isEmpty();
    }

    @Test
    void noMismatchShouldBeAskedAgainAfterAFewSeconds() {
        ListenerKinds kinds = kinds(Reply.of(Kind.NONE), PLAINTEXT);
        assertThat(kinds.mismatch(LOST)).isEmpty();

        advanceSeconds(3);
        assertThat(kinds.mismatch(LOST)).as("reused").isEmpty();
        advanceSeconds(3);

        assertThat(kinds.mismatch(LOST)).as("asked again: a broker away may come back as the other kind").isPresent();
        assertThat(asked).hasValue(2);
    }
}
