package dev.keel.core.internal.chain;

import dev.keel.KeelTimeoutException;
import dev.keel.PublishReceipt;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** The engine's own sends (retry copies and dead letters), each bounded by the publish timeout. */
public final class Sends {

    public static final int MAX_CAUSE_LENGTH = 500;

    private final Supplier<BrokerProducer> producer;
    private final Delays delays;
    private final Duration timeout;

    public Sends(Supplier<BrokerProducer> producer, Delays delays, Duration timeout) {
        this.producer = producer;
        this.delays = delays;
        this.timeout = timeout;
    }

    /** One send; a timed-out one may still arrive (a copy with the same id). */
    public CompletionStage<PublishReceipt> send(OutboundRecord record) {
        return delays.within(timeout, () -> producer.get().send(record), () -> new KeelTimeoutException(
                "message " + record.id() + " not confirmed by " + record.topic() + " within " + timeout
                        + "; it may still arrive, with the same id"));
    }

    /**
     * A failure message as a header value every broker carries: control characters (line breaks included, and
     * RocketMQ's property separators {@code \u0001} and {@code \u0002}) and halves of surrogate pairs each replaced by
     * a space, then cut to {@value #MAX_CAUSE_LENGTH} characters, never between the two halves of a pair. A header a
     * broker refused would make the dead letter (and its copy without payload, which keeps it) refused for good.
     */
    public static String causeText(String s) {
        StringBuilder text = new StringBuilder(Math.min(s.length(), MAX_CAUSE_LENGTH));
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (text.length() + (pair ? 2 : 1) > MAX_CAUSE_LENGTH) {
                break; // full, or the pair does not fit whole
            }
            if (pair) {
                text.append(c).append(s.charAt(i + 1));
                i += 2;
            } else {
                text.append(Character.isISOControl(c) || Character.isSurrogate(c) ? ' ' : c);
                i++;
            }
        }
        return i < s.length() ? text + "..." : text.toString();
    }
}
