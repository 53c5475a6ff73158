package dev.keel.core.internal.chain;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The innermost step: decodes the payload and calls the application's handler on this thread. */
public final class InvokeStep<T> implements Step {

    private final Codec<T> codec;
    private final MessageHandler<T> handler;
    private final StepContext context;

    public InvokeStep(Codec<T> codec, MessageHandler<T> handler, StepContext context) {
        this.codec = codec;
        this.handler = handler;
        this.context = context;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        InboundRecord record = work.record();
        T payload;
        try {
            payload = codec.decode(record.payload());
        } catch (RuntimeException | Error e) {
            // an Error too (a StackOverflowError in a schema resolver): the codec's failure, not an attempt's
            return CompletableFuture.failedFuture(e instanceof dev.keel.DecodingException ? e
                    : new dev.keel.DecodingException("codec failed to decode the payload: " + e, e));
        }
        Delivery<T> delivery = new Delivery<>(toMessage(record), payload, work.attempt(), record.topic(),
                record.partition(), record.position(), keelHeaders(record));
        long start = System.nanoTime();
        Throwable failure = null;
        LogContext log = LogContext.open(record, context.group()); // the handler's own log lines carry it
        try {
            handler.handle(delivery);
        } catch (Exception | Error e) {
            failure = e;
        } finally {
            log.close();
        }
        // after the handler's outcome is known, and outside its try: the recorder's own failure is not the handler's
        context.metrics().handlerLatency(record.topic(), context.group(), Duration.ofNanos(System.nanoTime() - start), failure == null);
        return failure == null ? CompletableFuture.completedFuture(Outcome.HANDLED)
                : CompletableFuture.failedFuture(failure);
    }

    private static Map<String, String> keelHeaders(InboundRecord record) {
        Map<String, String> keel = new java.util.HashMap<>();
        record.headers().forEach((name, value) -> {
            if (KeelHeaders.isReserved(name)) {
                keel.put(name, value);
            }
        });
        return keel;
    }

    static Message toMessage(InboundRecord record) {
        Message.Builder builder = Message.builder(record.payload()).id(record.id()).key(record.key())
                .timestamp(record.timestamp());
        Priorities.of(record).ifPresent(builder::priority);
        for (Map.Entry<String, String> h : record.headers().entrySet()) {
            if (!KeelHeaders.isReserved(h.getKey())) {
                builder.header(h.getKey(), h.getValue());
            }
        }
        return builder.build();
    }
}
