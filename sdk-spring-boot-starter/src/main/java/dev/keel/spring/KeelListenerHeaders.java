package dev.keel.spring;

import dev.keel.KeelHeaders;

/**
 * Names a {@link KeelListener} method's {@code @Header} parameters can ask for besides the message's own headers
 * (application headers, and Keel's {@link KeelHeaders} such as {@link KeelHeaders#DLT_CAUSE_MESSAGE} on a dead
 * letter):
 *
 * <pre>{@code
 * @KeelListener(topic = "orders", group = "billing")
 * void bill(@Payload Order order, @Header(KeelListenerHeaders.KEY) String customer,
 *           @Header(KeelListenerHeaders.ATTEMPT) int attempt, @Header(name = "tenant", required = false) String tenant)
 * }</pre>
 *
 * A header value is text; the parameter may be any type Spring's conversion service reaches from a String
 * ({@code int}, {@code long}, {@code UUID}, an enum...). The received metadata below are not headers on the wire.
 */
public final class KeelListenerHeaders {

    /** The message id (the idempotency key): {@code Delivery.id()}. */
    public static final String ID = KeelHeaders.ID;
    /** The ordering key, or none: {@code Delivery.key()}. */
    public static final String KEY = KeelHeaders.KEY;
    /** The message's timestamp, as an {@code Instant} (or its ISO-8601 text for a String parameter). */
    public static final String TIMESTAMP = KeelHeaders.TIMESTAMP;
    /** The attempt, 1 for the first: {@code Delivery.attempt()}. */
    public static final String ATTEMPT = "keel_attempt";
    /** The topic the message was consumed from: {@code Delivery.topic()}. */
    public static final String RECEIVED_TOPIC = "keel_receivedTopic";
    /** The partition (Kafka), queue id (RocketMQ) or lane queue (RabbitMQ): {@code Delivery.partition()}. */
    public static final String RECEIVED_PARTITION = "keel_receivedPartition";
    /** The broker position, offset or delivery tag: {@code Delivery.position()}. */
    public static final String POSITION = "keel_position";

    private KeelListenerHeaders() {
    }
}
