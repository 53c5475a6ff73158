package dev.keel.rocket.internal;

import dev.keel.DelayTooLongException;
import dev.keel.rocket.RocketConfig;
import dev.keel.spi.OutboundRecord;
import java.time.Clock;
import java.time.Duration;
import org.apache.rocketmq.common.message.Message;

/**
 * Delayed publishes as RocketMQ timer messages ({@code setDeliverTimeMs}, RocketMQ 5 with
 * {@code timerWheelEnable}, its default). The broker keeps a timer message in its timer wheel and
 * then stores it in the topic, in the queue it was sent to (so the key's queue is kept). The wheel
 * works in slots of {@code timerPrecisionMs} (1 s by default) and releases a slot once its time
 * has passed: never early, late by up to one precision plus the broker's scheduling.
 */
final class TimerMessages {

    private TimerMessages() {
    }

    /**
     * Makes {@code message} a timer message when {@code record} is delayed.
     *
     * @throws DelayTooLongException when the delay is past {@link RocketConfig#maxDelay()}
     */
    static void apply(OutboundRecord record, Message message, RocketConfig config, Clock clock) {
        if (!record.delayed()) {
            return;
        }
        long due = record.deliverAt().toEpochMilli();
        Duration delay = Duration.ofMillis(due - clock.millis());
        if (delay.compareTo(config.maxDelay()) > 0) {
            throw new DelayTooLongException(record.id(), delay, config.maxDelay(),
                    "raise the broker's timerMaxDelaySec and RocketConfig.maxDelay together");
        }
        message.setDeliverTimeMs(due);
    }

    /** Whether a pending message must go in a request of its own (a batch is not timed by the broker). */
    static boolean alone(OutboundRecord record) {
        return record.delayed();
    }
}
