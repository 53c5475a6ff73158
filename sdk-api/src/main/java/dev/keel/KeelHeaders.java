package dev.keel;

/**
 * The one header scheme Keel writes on every broker (Kafka record headers, AMQP message headers,
 * RocketMQ user properties), except that Kafka carries the key and the timestamp in the record itself,
 * so {@link #KEY} and {@link #TIMESTAMP} are not written there. Values are UTF-8 strings. Application headers pass through unchanged;
 * names starting with {@value #PREFIX} are reserved.
 */
public final class KeelHeaders {

    /** Reserved prefix of Keel's own headers. */
    public static final String PREFIX = "keel-";
    /** The idempotency id of the message. */
    public static final String ID = "keel-id";
    /**
     * The ordering key (also carried natively where the broker has one). Not written on Kafka, where the
     * record key carries it; a Kafka record written by an earlier Keel version may still have it.
     */
    public static final String KEY = "keel-key";
    /**
     * Publish time, epoch milliseconds. Not written on Kafka, where the record timestamp carries it; on a
     * Kafka record written by an earlier Keel version it is read, and wins over the record timestamp.
     */
    public static final String TIMESTAMP = "keel-ts";
    /**
     * W3C trace context, passed through as the application or a tracing {@link KeelInterceptor} set it;
     * a dead letter keeps it, also a truncated one.
     */
    public static final String TRACEPARENT = "traceparent";
    /** W3C trace state, passed through when the application sets it. */
    public static final String TRACESTATE = "tracestate";

    /** On a dead letter: the failure's exception class. */
    public static final String DLT_CAUSE_CLASS = "keel-dlt-cause-class";
    /** On a dead letter: the failure's message (truncated, never the payload). */
    public static final String DLT_CAUSE_MESSAGE = "keel-dlt-cause-message";
    /** On a dead letter: how many attempts were made. */
    public static final String DLT_ATTEMPTS = "keel-dlt-attempts";
    /** On a dead letter: the topic it came from (the re-drive target). */
    public static final String DLT_ORIGIN_TOPIC = "keel-dlt-origin-topic";
    /** On a dead letter: the partition or queue it came from. */
    public static final String DLT_ORIGIN_PARTITION = "keel-dlt-origin-partition";
    /** On a dead letter: its broker position (offset or delivery tag) at origin. */
    public static final String DLT_ORIGIN_POSITION = "keel-dlt-origin-position";
    /**
     * On a dead letter: the consumer group that gave up on it (absent on one no group received: a delayed message
     * its Kafka topic refused when it was due).
     */
    public static final String DLT_GROUP = "keel-dlt-group";
    /**
     * On a dead letter of a broadcast subscription: the instance ({@code Keel.Builder.instanceId}) that
     * gave up on it, so that a re-drive reaches that instance only.
     */
    public static final String DLT_INSTANCE = "keel-dlt-instance";
    /** On a dead letter: when it was dead-lettered, epoch milliseconds. */
    public static final String DLT_AT = "keel-dlt-at";
    /**
     * On a dead letter: {@code decode} when it could not be decoded, {@code forward} when Kafka's delay forwarder
     * could not forward a delayed message because its topic refused it for good (no group then), else
     * {@code handler}.
     */
    public static final String DLT_REASON = "keel-dlt-reason";
    /**
     * On a dead letter: present when the broker refused the full dead letter for good (too large,
     * for example) and this copy was sent instead, without the payload and the application headers;
     * its value is the size of the left-out payload in bytes.
     */
    public static final String DLT_TRUNCATED = "keel-dlt-truncated";
    /**
     * On a dead letter a re-drive appended again to its topic (one it kept, or a second letter with an id it handled
     * already): that re-drive's own mark, so that it leaves its copy where it is when its read comes to it.
     */
    public static final String DLT_KEPT_BY = "keel-dlt-kept-by";
    /**
     * The message's priority, 0-9 ({@code Message.Builder#priority}); written whenever one is set, also
     * on brokers without priorities, where it is only informative.
     */
    public static final String PRIORITY = "keel-priority";
    /**
     * On a delayed message: when it is due, epoch milliseconds. Kept on every hop (delay topics and
     * queues), so whoever forwards it knows when.
     */
    public static final String DELIVER_AT = "keel-deliver-at";
    /**
     * On a message in a retry topic (non-blocking retry): the number of the attempt it is due for
     * (2 for the first retry). Read only by the subscription consuming the retry topic.
     */
    public static final String RETRY_ATTEMPT = "keel-retry-attempt";
    /** On a message in a retry topic: the exception class of the attempt that failed last. */
    public static final String RETRY_CAUSE_CLASS = "keel-retry-cause-class";
    /** On a message in a retry topic: the failure message of that attempt (truncated, never the payload). */
    public static final String RETRY_CAUSE_MESSAGE = "keel-retry-cause-message";
    /** On a message in a retry topic: the topic it was first consumed from (its dead letter's origin). */
    public static final String RETRY_ORIGIN_TOPIC = "keel-retry-origin-topic";
    /**
     * On a message in a retry topic: the consumer group whose attempt failed, the one group that runs it from there.
     * Retry topic names can collide (topic {@code a.b} with group {@code g} and topic {@code a} with group
     * {@code b.g} both retry through {@code a.b.g.retry}), so the subscription consuming a retry topic acknowledges
     * without running it any message whose {@link #RETRY_ORIGIN_TOPIC} or this header names another topic or group
     * than its own. A message without this header was written by an earlier Keel: only its origin topic is checked.
     * One without {@link #RETRY_ORIGIN_TOPIC} is no retry copy of Keel's (every one names it) and is not run either.
     */
    public static final String RETRY_ORIGIN_GROUP = "keel-retry-origin-group";
    /**
     * On a message re-driven from its dead-letter topic to its origin (same id): when it was re-driven,
     * epoch milliseconds. Under EFFECTIVELY_ONCE such a message may claim an id that was dead-lettered
     * (a plain redelivery of the original may not), so a re-drive runs it once more, and once only.
     */
    public static final String REDRIVEN_AT = "keel-redriven-at";
    /**
     * On a message re-driven from its dead-letter topic: the consumer group it was re-driven for. Only
     * that group runs it; every other group of the topic acknowledges it without running it (counted
     * as filtered). A copy with {@link #REDRIVEN_AT} and without this header was re-driven by an
     * earlier Keel: under EFFECTIVELY_ONCE a group runs it only if it holds the id dead-lettered.
     */
    public static final String REDRIVEN_GROUP = "keel-redriven-group";
    /**
     * On a message re-driven from a broadcast subscription's dead letter: the instance it was
     * re-driven for ({@link #DLT_INSTANCE} of the dead letter); the group's other instances
     * acknowledge it without running it.
     */
    public static final String REDRIVEN_INSTANCE = "keel-redriven-instance";
    /**
     * On a message re-driven from its dead-letter topic: which dead letter it was re-driven from (that
     * letter's {@link #DLT_AT}). Under EFFECTIVELY_ONCE, once a copy re-driven from a letter has failed
     * and been dead-lettered again, a copy from the same letter (redelivered, or re-driven again by
     * mistake) is acknowledged without running; a copy from the new dead letter runs.
     */
    public static final String REDRIVEN_LETTER = "keel-redriven-letter";

    private KeelHeaders() {
    }

    /** Whether {@code name} is in Keel's reserved namespace. */
    public static boolean isReserved(String name) {
        return name.startsWith(PREFIX);
    }
}
