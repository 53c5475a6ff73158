package dev.keel.core.internal.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Pausing the broker consumer on a full in-flight window, resuming it once drained to half. */
class FlowControlTest {

    /** Records the pause and resume calls it gets. */
    private static final class RecordingConsumer implements BrokerConsumer {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public void start(DeliverySink sink) {
        }

        @Override
        public void pause() {
            calls.add("pause");
        }

        @Override
        public void resume() {
            calls.add("resume");
        }

        @Override
        public CompletionStage<Void> close() {
            return CompletableFuture.completedFuture(null);
        }
    }

    private final RecordingConsumer consumer = new RecordingConsumer();

    @Test
    void aFullWindowShouldPauseAndDrainingToHalfShouldResume() {
        FlowControl flow = new FlowControl(consumer, 4);
        flow.added(3);
        assertThat(consumer.calls).isEmpty();
        flow.added(1);
        assertThat(consumer.calls).containsExactly("pause");
        flow.finished();
        assertThat(consumer.calls).containsExactly("pause");
        flow.finished();
        assertThat(consumer.calls).containsExactly("pause", "resume");
        flow.finished();
        flow.finished();
        assertThat(consumer.calls).containsExactly("pause", "resume");
        assertThat(flow.inFlight()).isZero();
    }

    @Test
    void aWindowOfOneShouldPauseWhileItsMessageRunsAndResumeWhenItFinishes() {
        FlowControl flow = new FlowControl(consumer, 1);
        for (int i = 0; i < 3; i++) {
            flow.added(1);
            flow.finished();
        }
        assertThat(consumer.calls).containsExactly("pause", "resume", "pause", "resume", "pause", "resume");
    }

    @Test
    void aBatchThatArrivesWhileTheStoreIsDownShouldStayPausedUntilBothAllow() {
        FlowControl flow = new FlowControl(consumer, 2);
        flow.storeDown();
        flow.added(2);
        flow.finished();
        flow.finished();
        assertThat(consumer.calls).containsExactly("pause");
        flow.storeUp();
        assertThat(consumer.calls).containsExactly("pause", "resume");
    }
}
