package dev.keel.rabbit.internal;

import dev.keel.PublishException;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.Utf8Text;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What AMQP 0-9-1 lets a message carry, checked before a publish touches a channel. The client
 * refuses an oversized property only after it has counted the publish in the channel's confirm
 * sequence; checking first keeps such a message from ever reaching a channel.
 */
final class PublishLimits {

    /** An AMQP short string (message-id, a header name) holds at most 255 bytes. */
    static final int MAX_SHORT_STRING_BYTES = 255;
    /** A header travels as its name (short string), a type byte and a long string: 1 + name + 1 + 4 + value. */
    private static final int HEADER_OVERHEAD_BYTES = 6;

    private PublishLimits() {
    }

    /**
     * @param maxMessageSize the largest payload RabbitMQ takes ({@link RabbitConfig#maxMessageSize()})
     * @throws PublishException (not retriable) naming the limit the record exceeds: the same message
     *         would be refused again
     */
    static void check(OutboundRecord record, int maxMessageSize) {
        if (record.payload().length > maxMessageSize) {
            throw refused("its payload is " + record.payload().length + " bytes, over RabbitConfig.maxMessageSize ("
                    + maxMessageSize + " bytes; set it to the broker's max_message_size, 128 MiB by default): send"
                    + " less (put large data elsewhere and send a reference), or raise both limits");
        }
        checkEncodable(record);
        int idBytes = utf8Length(record.id());
        if (idBytes > MAX_SHORT_STRING_BYTES) {
            throw refused("its id is " + idBytes + " bytes in UTF-8; RabbitMQ's message-id (an AMQP short string)"
                    + " holds at most " + MAX_SHORT_STRING_BYTES + ": use a shorter id");
        }
        long headerBytes = 0;
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            int nameBytes = utf8Length(header.getKey());
            if (nameBytes > MAX_SHORT_STRING_BYTES) {
                throw refused("a header name is " + nameBytes + " bytes in UTF-8; AMQP header names (short"
                        + " strings) hold at most " + MAX_SHORT_STRING_BYTES);
            }
            headerBytes += HEADER_OVERHEAD_BYTES + nameBytes + utf8Length(header.getValue());
        }
        if (headerBytes > RabbitConfig.MAX_HEADER_BYTES) {
            throw refused("its headers take " + headerBytes + " bytes encoded; Keel allows at most "
                    + RabbitConfig.MAX_HEADER_BYTES + " (RabbitMQ carries all properties in one frame): put large"
                    + " data in the payload");
        }
    }

    /** Text with an unpaired surrogate has no UTF-8 form: the client would write '?' in its place. */
    private static void checkEncodable(OutboundRecord record) {
        String where = !Utf8Text.encodable(record.id()) ? "its id"
                : record.key() != null && !Utf8Text.encodable(record.key()) ? "its key" : null;
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            if (where == null && (!Utf8Text.encodable(header.getKey()) || !Utf8Text.encodable(header.getValue()))) {
                where = "a header";
            }
        }
        if (where != null) {
            throw refused(where + " has an unpaired UTF-16 surrogate, which UTF-8 cannot encode (the client would"
                    + " send '?' instead): fix the text, or carry binary data in the payload");
        }
    }


    private static PublishException refused(String why) {
        return new PublishException("the message cannot be published to RabbitMQ: " + why, null, false);
    }

    private static int utf8Length(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length(); // ASCII: one byte a char, no copy
    }
}
