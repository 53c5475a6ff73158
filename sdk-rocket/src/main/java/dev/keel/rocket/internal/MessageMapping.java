package dev.keel.rocket.internal;

import dev.keel.KeelHeaders;
import dev.keel.PublishException;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.InboundIds;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageClientIDSetter;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Translates between Keel's records and RocketMQ messages. Keel headers become user properties;
 * the id is also the message's {@code KEYS} (so operators find it with the console or
 * {@code mqadmin queryMsgByKey}). RocketMQ drops properties whose value is empty, so their names
 * travel in {@value #EMPTY_HEADERS} and come back as empty headers. RocketMQ refuses empty bodies, so an
 * empty payload travels as one zero byte marked by {@value #EMPTY_BODY} and comes back empty.
 */
public final class MessageMapping {

    /** The names of headers with an empty value, separated by {@code \u0000}. */
    public static final String EMPTY_HEADERS = "keel-empty-headers";
    /** Marks a message whose one-byte body stands for an empty payload. */
    public static final String EMPTY_BODY = "keel-empty-body";
    private static final byte[] EMPTY_BODY_PLACEHOLDER = {0};
    /** RocketMQ stores a message's properties with a 2-byte length; leave room for the client's own. */
    static final int MAX_PROPERTY_BYTES = Short.MAX_VALUE - 1024;
    private static final char NAME_VALUE_SEPARATOR = 1;
    private static final char PROPERTY_SEPARATOR = 2;
    private static final String SEE = "; see docs/rocketmq.md, \"How Keel maps onto RocketMQ\"";

    private MessageMapping() {
    }

    /**
     * The RocketMQ message of {@code record}, checked against RocketMQ's rules.
     *
     * @throws PublishException (not retriable) when the body is too large, a header uses a name RocketMQ
     *                          reserves or its separators, text has no UTF-8 form, or the properties are too large
     */
    public static Message toRocket(OutboundRecord record, int maxBodyBytes) {
        if (record.payload().length > maxBodyBytes) {
            throw refused(record, "its payload has " + record.payload().length + " bytes, over the limit of "
                    + maxBodyBytes + " bytes (RocketMQ's maxMessageSize is 4 MiB by default): send less or store the "
                    + "payload elsewhere and send a reference");
        }
        boolean emptyBody = record.payload().length == 0;
        Message message = new Message(record.topic(), emptyBody ? EMPTY_BODY_PLACEHOLDER : record.payload());
        List<String> empty = new ArrayList<>();
        int propertyBytes = 0;
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            String name = header.getKey();
            String value = header.getValue();
            checkName(record, name);
            checkText(record, value, "the value of header '" + name + "'");
            if (value.isEmpty()) {
                empty.add(name);
            } else {
                MessageAccessor.putProperty(message, name, value);
                propertyBytes += utf8Length(name) + utf8Length(value) + 2;
            }
        }
        if (!empty.isEmpty()) {
            String names = String.join("\u0000", empty);
            MessageAccessor.putProperty(message, EMPTY_HEADERS, names);
            propertyBytes += utf8Length(EMPTY_HEADERS) + utf8Length(names) + 2;
        }
        if (emptyBody) {
            MessageAccessor.putProperty(message, EMPTY_BODY, "1");
            propertyBytes += utf8Length(EMPTY_BODY) + 3;
        }
        checkText(record, record.id(), "its id");
        // the id is also the message's KEYS (its keel-id header is counted above); 64 bytes for the client's own
        propertyBytes += utf8Length(MessageConst.PROPERTY_KEYS) + utf8Length(record.id()) + 2 + 64;
        if (propertyBytes > MAX_PROPERTY_BYTES) {
            throw refused(record, "its id and headers take about " + propertyBytes + " bytes, over RocketMQ's limit for "
                    + "message properties (" + MAX_PROPERTY_BYTES + " bytes here): send fewer or smaller headers");
        }
        message.setKeys(record.id());
        return message;
    }

    /**
     * The record's Keel view: headers are the message's user properties (RocketMQ's own properties
     * left out), with empty ones restored; the id is {@code keel-id}, else RocketMQ's {@code UNIQ_KEY},
     * else its offset message id; the key is {@code keel-key}.
     */
    public static InboundRecord fromRocket(MessageExt m, InboundRecord.Acknowledger acknowledger) {
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<String, String> p : m.getProperties().entrySet()) {
            if (!MessageConst.STRING_HASH_SET.contains(p.getKey()) && !p.getKey().equals(EMPTY_HEADERS)
                    && !p.getKey().equals(EMPTY_BODY)) {
                headers.put(p.getKey(), p.getValue());
            }
        }
        String empty = m.getProperty(EMPTY_HEADERS);
        if (empty != null) {
            for (String name : empty.split("\u0000")) {
                if (!name.isEmpty()) {
                    headers.put(name, "");
                }
            }
        }
        String uniq = MessageClientIDSetter.getUniqID(m);
        String nativeId = uniq != null && !uniq.isBlank() ? uniq : m.getMsgId();
        if (nativeId == null) {
            nativeId = m.getTopic() + "-" + m.getBrokerName() + "-" + m.getQueueId() + "-" + m.getQueueOffset();
        }
        String id = InboundIds.idOf(headers, nativeId);
        String key = headers.get(KeelHeaders.KEY);
        byte[] payload = m.getBody() == null || m.getProperty(EMPTY_BODY) != null ? new byte[0] : m.getBody();
        Instant timestamp = Instant.ofEpochMilli(Math.max(0, m.getBornTimestamp()));
        return new InboundRecord(m.getTopic(), Names.partition(m.getBrokerName(), m.getQueueId()), m.getQueueOffset(),
                id, key, headers, payload, timestamp, 1, acknowledger);
    }

    private static void checkName(OutboundRecord record, String name) {
        if (name.isEmpty()) {
            throw refused(record, "a header has an empty name, which RocketMQ cannot store");
        }
        if (MessageConst.STRING_HASH_SET.contains(name) || name.equals(EMPTY_HEADERS) || name.equals(EMPTY_BODY)) {
            throw refused(record, "header '" + name + "' is a property name RocketMQ (or Keel on RocketMQ) reserves "
                    + "for itself: rename the header");
        }
        checkText(record, name, "the name of header '" + name.replace('\u0001', '?').replace('\u0002', '?') + "'");
        if (name.indexOf('\u0000') >= 0) {
            throw refused(record, "the name of a header contains the character \\u0000");
        }
    }

    private static void checkText(OutboundRecord record, String text, String what) {
        if (text.indexOf(NAME_VALUE_SEPARATOR) >= 0 || text.indexOf(PROPERTY_SEPARATOR) >= 0) {
            throw refused(record, what + " contains \\u0001 or \\u0002, the separators of RocketMQ's property "
                    + "encoding, which would corrupt the message's properties: remove them or encode the value");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw refused(record, what + " has an unpaired UTF-16 surrogate at index " + i + ", which UTF-8 cannot "
                        + "encode (the client would send '?' in its place): fix the text");
            }
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    static PublishException refused(OutboundRecord record, String why) {
        String id = record.id().length() > 100 ? record.id().substring(0, 100) + "..." : record.id();
        id = id.replace('\u0001', '?').replace('\u0002', '?');
        return new PublishException("message " + id + " to " + record.topic() + " cannot be published to RocketMQ: "
                + why + SEE, null, false);
    }
}
