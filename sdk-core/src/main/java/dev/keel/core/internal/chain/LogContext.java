package dev.keel.core.internal.chain;

import dev.keel.KeelHeaders;
import dev.keel.spi.InboundRecord;
import org.slf4j.MDC;

/**
 * A message's identity in the SLF4J MDC of the current thread, from {@link #open} until {@link #close()}, which puts
 * back what was there: {@value #TRACE_ID} (the W3C trace id of its {@code traceparent} header, when it carries a
 * valid one), {@value #MESSAGE_ID}, {@value #TOPIC} and {@value #GROUP}. Open around the application's handler, so
 * its own log lines carry them, and around each of Keel's log lines about one message (a retry, a dead letter),
 * which may run on another thread than the handler.
 *
 * <pre>{@code
 * LogContext.run(work, context.group(), () -> LOG.warn("message {} ... dead-lettering ...", ...));
 * }</pre>
 */
public final class LogContext {

    /** The W3C trace id, as Micrometer Tracing and Spring Boot's log correlation name it. */
    public static final String TRACE_ID = "traceId";
    /** The message id, the idempotency key. */
    public static final String MESSAGE_ID = "keel.messageId";
    /** The topic the message was consumed from. */
    public static final String TOPIC = "keel.topic";
    /** The consumer group. */
    public static final String GROUP = "keel.group";

    private static final String[] KEYS = {TRACE_ID, MESSAGE_ID, TOPIC, GROUP};
    /** {@code version-traceid-parentid-flags}: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters. */
    private static final int TRACEPARENT_LENGTH = 55;

    private final String[] previous = new String[KEYS.length];

    private LogContext(String... values) {
        for (int i = 0; i < KEYS.length; i++) {
            previous[i] = MDC.get(KEYS[i]);
            if (values[i] != null) {
                MDC.put(KEYS[i], values[i]);
            } else {
                MDC.remove(KEYS[i]);
            }
        }
    }

    /** Runs {@code logging} with {@code work}'s message in the MDC; {@code group} is the subscription's. */
    public static void run(Work work, String group, Runnable logging) {
        run(work.record(), group, logging);
    }

    /** Runs {@code logging} with {@code record} in the MDC; {@code group} is the subscription's. */
    public static void run(InboundRecord record, String group, Runnable logging) {
        LogContext context = open(record, group);
        try {
            logging.run();
        } finally {
            context.close();
        }
    }

    /** {@code record} in the MDC until {@link #close()}; {@code group} is the subscription's. */
    public static LogContext open(InboundRecord record, String group) {
        return new LogContext(traceId(record.headers().get(KeelHeaders.TRACEPARENT)), record.id(), record.topic(),
                group);
    }

    /** The trace id of a W3C {@code traceparent} value, or null when the value is missing or malformed. */
    static String traceId(String traceparent) {
        if (traceparent == null || traceparent.length() < TRACEPARENT_LENGTH || traceparent.charAt(2) != '-'
                || traceparent.charAt(35) != '-' || traceparent.charAt(52) != '-') {
            return null;
        }
        String id = traceparent.substring(3, 35);
        boolean zero = true;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
            zero &= c == '0';
        }
        return zero ? null : id; // all zeros is invalid (W3C Trace Context)
    }

    /** Puts back what the MDC held before {@link #open}. */
    public void close() {
        for (int i = 0; i < KEYS.length; i++) {
            if (previous[i] != null) {
                MDC.put(KEYS[i], previous[i]);
            } else {
                MDC.remove(KEYS[i]);
            }
        }
    }
}
