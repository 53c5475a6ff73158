package dev.keel.cli.verify;

import dev.keel.jms.ActiveMQClassicConfig;
import dev.keel.jms.ArtemisConfig;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.rocket.RocketConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The size limits an {@code oversized} fault goes beyond, per broker: the largest id, header value
 * and payload a publish may carry (UTF-8 bytes), or 0 where verify does not probe that part.
 *
 * @param idBytes      the largest id
 * @param headerBytes  the largest header value
 * @param payloadBytes the largest payload
 */
public record SizeLimits(int idBytes, int headerBytes, int payloadBytes) {

    /**
     * The record size limit verify sets on the embedded broker when it injects {@code oversized},
     * as a real broker has one (Kafka's producer refuses records above 1 MiB by default).
     */
    public static final int EMBEDDED_MAX_RECORD_BYTES = 1024 * 1024;
    /** Kafka: the producer's {@code max.request.size} default. */
    public static final int KAFKA_MAX_REQUEST_BYTES = 1024 * 1024;
    /** RocketMQ: a message's properties (its headers, and the id twice: keel-id and KEYS) fit 32 KiB. */
    public static final int ROCKET_MAX_PROPERTIES_BYTES = 32 * 1024;
    /** RabbitMQ: the message-id is an AMQP short string. */
    public static final int RABBIT_MAX_ID_BYTES = 255;

    public SizeLimits {
        if (idBytes < 0 || headerBytes < 0 || payloadBytes < 0) {
            throw new IllegalArgumentException("size limits must be >= 0 (0: not probed)");
        }
        if (idBytes == 0 && headerBytes == 0 && payloadBytes == 0) {
            throw new IllegalArgumentException("at least one size limit must be probed");
        }
    }

    /**
     * The limits of {@code --broker broker}. RabbitMQ's payload limit ({@code max_message_size},
     * 128 MiB by default) is not probed: verify would have to send that much. ActiveMQ Artemis has
     * no small limit of ids or headers, and Keel refuses a payload over
     * {@link ArtemisConfig#maxMessageBytes()} (100 MiB by default) before sending anything: that one
     * is probed, with payloads built in memory only; ActiveMQ Classic the same, over
     * {@link ActiveMQClassicConfig#maxMessageBytes()} (64 MiB by default, below the broker's frame limit).
     */
    public static SizeLimits of(String broker) {
        return switch (broker) {
            case "rabbit" -> new SizeLimits(RABBIT_MAX_ID_BYTES, RabbitConfig.MAX_HEADER_BYTES, 0);
            case "kafka" -> new SizeLimits(KAFKA_MAX_REQUEST_BYTES, KAFKA_MAX_REQUEST_BYTES, KAFKA_MAX_REQUEST_BYTES);
            case "rocket" -> new SizeLimits(ROCKET_MAX_PROPERTIES_BYTES, ROCKET_MAX_PROPERTIES_BYTES,
                    RocketConfig.DEFAULT_MAX_MESSAGE_BYTES);
            case "artemis" -> new SizeLimits(0, 0, ArtemisConfig.DEFAULT_MAX_MESSAGE_BYTES);
            case "activemq" -> new SizeLimits(0, 0, ActiveMQClassicConfig.DEFAULT_MAX_MESSAGE_BYTES);
            default -> new SizeLimits(EMBEDDED_MAX_RECORD_BYTES, EMBEDDED_MAX_RECORD_BYTES,
                    EMBEDDED_MAX_RECORD_BYTES);
        };
    }

    /** The parts verify makes oversized: {@code id}, {@code header}, {@code payload}. */
    public List<String> shapes() {
        List<String> shapes = new ArrayList<>(3);
        if (idBytes > 0) {
            shapes.add("id");
        }
        if (headerBytes > 0) {
            shapes.add("header");
        }
        if (payloadBytes > 0) {
            shapes.add("payload");
        }
        return shapes;
    }

    /** The limit of one shape. */
    public int limit(String shape) {
        return switch (shape) {
            case "id" -> idBytes;
            case "header" -> headerBytes;
            case "payload" -> payloadBytes;
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
    }
}
