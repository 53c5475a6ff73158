package dev.keel.core.internal.consume;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Pausing the broker consumer on a full in-flight window, in messages or in bytes, resuming it once both drained to
 * half.
 */
class FlowControlTest {

    private final RecordingConsumer consumer = new RecordingConsumer();

    @Test
    void aFullWindowShouldPauseAndDrainingToHalfShouldResume() {
        FlowControl flow = new FlowControl(consumer, 4, Long.MAX_VALUE);
        flow.added(3, 0);
        assertThat(consumer.calls).isEmpty();
        flow.added(1, 0);
        assertThat(consumer.calls).containsExactly("pause");
        flow.finished(0);
        assertThat(consumer.calls).containsExactly("pause");
        flow.finished(0);
        assertThat(consumer.calls).containsExactly("pause", "resume");
        flow.finished(0);
        flow.finished(0);
        assertThat(consumer.calls).containsExactly("pause", "resume");
        assertThat(flow.inFlight()).isZero();
    }

    @Test
    void aWindowOfOneShouldPauseWhileItsMessageRunsAndResumeWhenItFinishes() {
        FlowControl flow = new FlowControl(consumer, 1, Long.MAX_VALUE);
        for (int i = 0; i < 3; i++) {
            flow.added(1, 0);
            flow.finished(0);
        }
        assertThat(consumer.calls).containsExactly("pause", "resume", "pause", "resume", "pause", "resume");
    }

    @Test
    void aBatchThatArrivesWhileTheStoreIsDownShouldStayPausedUntilBothAllow() {
        FlowControl flow = new FlowControl(consumer, 2, Long.MAX_VALUE);
        flow.storeDown();
        flow.added(2, 0);
        flow.finished(0);
        flow.finished(0);
        assertThat(consumer.calls).containsExactly("pause");
        flow.storeUp();
        assertThat(consumer.calls).containsExactly("pause", "resume");
    }

    @Test
    void payloadBytesReachingTheirBoundShouldPauseWithFewMessagesInFlight() {
        FlowControl flow = new FlowControl(consumer, 100, 1_000);
        flow.added(1, 600);
        assertThat(consumer.calls).isEmpty();
        flow.added(1, 400);
        assertThat(consumer.calls).containsExactly("pause");
        assertThat(flow.inFlightBytes()).isEqualTo(1_000);
    }

    @Test
    void bytesShouldResumeOnlyOnceDrainedToHalfOfTheirBound() {
        FlowControl flow = new FlowControl(consumer, 100, 1_000);
        flow.added(3, 1_200);
        flow.finished(400);
        assertThat(consumer.calls).as("800 bytes left, above half the bound").containsExactly("pause");
        flow.finished(400);
        assertThat(consumer.calls).containsExactly("pause", "resume");
        assertThat(flow.inFlightBytes()).isEqualTo(400);
    }

    @Test
    void aMessageLargerThanTheByteBoundShouldPassOnItsOwnAndResumeWhenItFinishes() {
        FlowControl flow = new FlowControl(consumer, 100, 1_000);
        flow.added(1, 5_000);
        assertThat(consumer.calls).containsExactly("pause");
        flow.finished(5_000);
        assertThat(consumer.calls).containsExactly("pause", "resume");
        assertThat(flow.inFlightBytes()).isZero();
    }

    @Test
    void aFullCountShouldStayPausedWhileBytesAreDrainedButNotTheCount() {
        FlowControl flow = new FlowControl(consumer, 4, 1_000);
        flow.added(4, 40);
        flow.finished(10);
        assertThat(consumer.calls).as("3 messages left of a window of 4").containsExactly("pause");
        flow.finished(10);
        assertThat(consumer.calls).containsExactly("pause", "resume");
    }
}
