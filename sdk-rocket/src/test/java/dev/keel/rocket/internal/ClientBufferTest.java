package dev.keel.rocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The lite pull client's buffer bounds that {@link RocketReceiver} sets: per queue, in messages, a share of the
 * subscription's maxInFlight; the bound on all queues, which counts each waiting pull as a full batch, never binds
 * first (it held back every queue's pulls for 50 ms at a low rate, when pulls bring one message each).
 */
class ClientBufferTest {

    @Test
    void eachQueueShouldHoldItsShareOfMaxInFlightAndAtLeastOneBatch() {
        assertThat(RocketReceiver.pullThresholdForQueue(512, 32, 4)).isEqualTo(128);
        assertThat(RocketReceiver.pullThresholdForQueue(512, 32, 3)).isEqualTo(171);
        assertThat(RocketReceiver.pullThresholdForQueue(512, 32, 1)).isEqualTo(512);
        assertThat(RocketReceiver.pullThresholdForQueue(512, 32, 0)).as("before any assignment").isEqualTo(512);
        assertThat(RocketReceiver.pullThresholdForQueue(512, 32, 64)).as("one batch at least").isEqualTo(32);
        assertThat(RocketReceiver.pullThresholdForQueue(1, 1, 8)).isEqualTo(1);
    }

    @Test
    void theBoundOnAllQueuesShouldAdmitAsManyWaitingPullsAsMaxInFlight() {
        int maxInFlight = 512;
        int batch = 32;
        // the client holds back every queue's next pull while (pulls waiting) * batch > this bound
        long bound = RocketReceiver.pullThresholdForAll(maxInFlight, batch);
        assertThat(bound / batch).isEqualTo(maxInFlight);
        // pulls of one message each up to maxInFlight messages in all: still pulling
        assertThat((long) maxInFlight * batch > bound).isFalse();
        assertThat(RocketReceiver.pullThresholdForAll(Integer.MAX_VALUE, 32)).isPositive();
    }
}
