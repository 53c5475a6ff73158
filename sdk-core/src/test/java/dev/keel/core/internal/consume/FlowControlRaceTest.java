package dev.keel.core.internal.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The last two messages in flight finishing at once on two threads: whatever the interleaving of their decrements of
 * the two counts (messages and bytes), the one that finds both drained resumes the consumer. A finisher that decided
 * on its own snapshot of the bytes could leave it paused for good with nothing in flight (an adversarial probe: 0.9%
 * of trials).
 */
class FlowControlRaceTest {

    private static final int TRIALS = 30_000;

    @Test
    void twoMessagesFinishingAtOnceShouldNeverLeaveTheConsumerPausedWithNothingInFlight() throws Exception {
        RecordingConsumer[] consumers = new RecordingConsumer[TRIALS];
        FlowControl[] flows = new FlowControl[TRIALS];
        for (int i = 0; i < TRIALS; i++) {
            consumers[i] = new RecordingConsumer();
            flows[i] = new FlowControl(consumers[i], 1, 1);
            flows[i].added(2, 2);
        }
        // a spinning start line: a blocking barrier wakes one thread tens of microseconds after the other
        AtomicInteger arrived = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable finisher = () -> {
            try {
                for (int i = 0; i < TRIALS; i++) {
                    arrived.incrementAndGet();
                    for (int spins = 0; arrived.get() < 2 * (i + 1); spins++) {
                        if (spins < 1_000) {
                            Thread.onSpinWait();
                        } else {
                            Thread.yield(); // the other thread may need this core (a busy machine)
                        }
                    }
                    flows[i].finished(1);
                }
            } catch (RuntimeException e) {
                failure.set(e);
            }
        };
        Thread a = new Thread(finisher);
        Thread b = new Thread(finisher);
        a.start();
        b.start();
        a.join();
        b.join();

        assertThat(failure.get()).isNull();
        int leftPaused = 0;
        for (int i = 0; i < TRIALS; i++) {
            assertThat(flows[i].inFlight()).isZero();
            assertThat(flows[i].inFlightBytes()).isZero();
            if (!consumers[i].calls.get(consumers[i].calls.size() - 1).equals("resume")) {
                leftPaused++;
            }
        }
        assertThat(leftPaused).as("trials of %d left paused with nothing in flight", TRIALS).isZero();
    }
}
