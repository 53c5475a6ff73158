package dev.keel.core.internal;

import dev.keel.DecodingException;
import dev.keel.KeelHeaders;
import dev.keel.PublishReceipt;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a final failure into a dead letter: publishes the original payload, id, key and
 * application headers to the dead-letter topic with the cause, attempts and origin in
 * {@code keel-dlt-*} headers, and answers DEAD_LETTERED only once the broker confirmed it. If the
 * publish fails it is retried with backoff (the original stays unacknowledged) until it succeeds
 * or the subscription stops, in which case the message is dropped for redelivery.
 */
final class DeadLetterStep implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStep.class);
    private static final int MAX_CAUSE_LENGTH = 500;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final Step next;
    private final Supplier<BrokerProducer> producer;
    private final String destination;
    private final String group;
    private final Clock clock;
    private final Delays delays;
    private final BooleanSupplier stopped;

    DeadLetterStep(Step next, Supplier<BrokerProducer> producer, String destination, String group, Clock clock,
                   Delays delays, BooleanSupplier stopped) {
        this.next = next;
        this.producer = producer;
        this.destination = destination;
        this.group = group;
        this.clock = clock;
        this.delays = delays;
        this.stopped = stopped;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        return Futures.call(() -> next.handle(work)).handle((outcome, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(outcome);
            }
            Throwable cause = Futures.unwrap(error);
            if (stopped.getAsBoolean()) {
                return CompletableFuture.completedFuture(Outcome.DROPPED);
            }
            LOG.warn("message {} from {} failed after {} attempt(s), dead-lettering to {}: {}", work.record().id(),
                    work.record().topic(), work.attempt(), destination, cause.toString());
            return publish(deadLetter(work, cause), FIRST_BACKOFF);
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> publish(OutboundRecord letter, Duration backoff) {
        return Futures.<PublishReceipt>call(() -> producer.get().send(letter)).handle((receipt, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
            }
            if (stopped.getAsBoolean()) {
                return CompletableFuture.completedFuture(Outcome.DROPPED);
            }
            LOG.error("dead letter for message {} not confirmed by {} ({}); the original stays unacknowledged and "
                    + "the dead-lettering is retried in {}: make sure the topic exists (ensureTopology)",
                    letter.id(), destination, Futures.unwrap(error).toString(), backoff);
            Duration nextBackoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF
                    : backoff.multipliedBy(2);
            return delays.after(backoff, () -> publish(letter, nextBackoff));
        }).thenCompose(stage -> stage);
    }

    private OutboundRecord deadLetter(Work work, Throwable cause) {
        InboundRecord record = work.record();
        Map<String, String> headers = new LinkedHashMap<>(record.headers());
        headers.put(KeelHeaders.ID, record.id());
        if (record.key() != null) {
            headers.put(KeelHeaders.KEY, record.key());
        }
        headers.put(KeelHeaders.DLT_CAUSE_CLASS, cause.getClass().getName());
        headers.put(KeelHeaders.DLT_CAUSE_MESSAGE, truncate(String.valueOf(cause.getMessage())));
        headers.put(KeelHeaders.DLT_ATTEMPTS, Integer.toString(work.attempt()));
        headers.put(KeelHeaders.DLT_ORIGIN_TOPIC, record.topic());
        headers.put(KeelHeaders.DLT_ORIGIN_PARTITION, record.partition());
        headers.put(KeelHeaders.DLT_ORIGIN_POSITION, Long.toString(record.position()));
        headers.put(KeelHeaders.DLT_GROUP, group);
        headers.put(KeelHeaders.DLT_AT, Long.toString(clock.millis()));
        headers.put(KeelHeaders.DLT_REASON, cause instanceof DecodingException ? "decode" : "handler");
        return new OutboundRecord(destination, record.id(), record.key(), headers, record.payload(), record.timestamp());
    }

    private static String truncate(String s) {
        return s.length() <= MAX_CAUSE_LENGTH ? s : s.substring(0, MAX_CAUSE_LENGTH) + "...";
    }
}
