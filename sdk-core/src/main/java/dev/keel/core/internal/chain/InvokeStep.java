package dev.keel.core.internal.chain;

import dev.keel.Codec;
import dev.keel.DecodingException;
import dev.keel.Delivery;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.core.internal.util.Descriptions;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The innermost step: decodes the payload and calls the application's handler on this thread.
 *
 * <p>A dead letter (it carries {@link KeelHeaders#DLT_REASON}) that a subscription without a dead-letter
 * topic of its own cannot decode reaches the handler with a {@code null} payload (its bytes in
 * {@code message().payload()}): such a reader reads dead letters, and decoding it again can never succeed,
 * so parking it would hold its key for good. Any other message that cannot be decoded fails with a
 * {@link DecodingException}.
 */
public final class InvokeStep<T> implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(InvokeStep.class);

    private final Codec<T> codec;
    private final MessageHandler<T> handler;
    private final StepContext context;
    private final boolean readsDeadLetters;

    /**
     * @param readsDeadLetters whether the subscription has no dead-letter topic of its own
     *                         ({@code DeadLetterPolicy.none()}): undecodable dead letters reach its handler
     */
    public InvokeStep(Codec<T> codec, MessageHandler<T> handler, StepContext context, boolean readsDeadLetters) {
        this.codec = codec;
        this.handler = handler;
        this.context = context;
        this.readsDeadLetters = readsDeadLetters;
    }

    /**
     * The record's bytes decoded. A codec that hands back the bytes it was given (against {@link Codec#decode}'s
     * contract) hands the handler a copy: what the handler writes into it must not change the record's bytes, which a
     * retry runs again and a dead letter carries on.
     */
    @SuppressWarnings("unchecked")
    private T decode(byte[] bytes) {
        T payload = codec.decode(bytes);
        return payload == bytes ? (T) bytes.clone() : payload;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        InboundRecord record = work.record();
        T payload;
        try {
            payload = decode(record.payload());
        } catch (Throwable e) {
            // any throwable (a StackOverflowError in a schema resolver, a sneaky checked one): the codec's failure
            if (!readsDeadLetters || !record.headers().containsKey(KeelHeaders.DLT_REASON)) {
                return CompletableFuture.failedFuture(e instanceof DecodingException ? e
                        : new DecodingException("codec failed to decode the payload: " + Descriptions.of(e),
                                Descriptions.describable(e)));
            }
            LOG.warn("dead letter {} from {} (reason '{}') cannot be decoded by this subscription's codec ({}): it is "
                    + "handed to the handler with a null payload, its bytes in message().payload()", record.id(),
                    record.topic(), record.headers().get(KeelHeaders.DLT_REASON), Descriptions.of(e));
            payload = null;
        }
        Delivery<T> delivery = new Delivery<>(toMessage(record), payload, work.attempt(), record.topic(),
                record.partition(), record.position(), keelHeaders(record));
        long start = System.nanoTime();
        Throwable failure = null;
        LogContext log = LogContext.open(record, context.group()); // the handler's own log lines carry it
        work.handlerCalled();
        try {
            handler.handle(delivery);
        } catch (Throwable e) { // any throwable, a plain one too (Kotlin, a sneaky throw): an attempt's failure
            // one that cannot describe itself is carried by a stand-in: a CompletableFuture describes what it carries
            failure = Descriptions.describable(e);
        } finally {
            log.close();
        }
        // after the handler's outcome is known, and outside its try: the recorder's own failure is not the handler's
        context.metrics().handlerLatency(record.topic(), context.group(), Duration.ofNanos(System.nanoTime() - start), failure == null);
        return failure == null ? CompletableFuture.completedFuture(Outcome.HANDLED)
                : CompletableFuture.failedFuture(failure);
    }

    /**
     * Keel's headers of the record, as the immutable map {@link Delivery} keeps ({@code Map.copyOf} takes it as it
     * is): built once, not gathered into a hash map and copied again for every delivery.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, String> keelHeaders(InboundRecord record) {
        Map<String, String> headers = record.headers();
        int reserved = 0;
        for (String name : headers.keySet()) {
            if (KeelHeaders.isReserved(name)) {
                reserved++;
            }
        }
        if (reserved == 0) {
            return Map.of();
        }
        Map.Entry<String, String>[] keel = (Map.Entry<String, String>[]) new Map.Entry<?, ?>[reserved];
        int i = 0;
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (KeelHeaders.isReserved(header.getKey())) {
                keel[i++] = Map.entry(header.getKey(), header.getValue());
            }
        }
        return Map.ofEntries(keel);
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
