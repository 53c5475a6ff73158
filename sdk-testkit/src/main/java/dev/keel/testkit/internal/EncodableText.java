package dev.keel.testkit.internal;

import dev.keel.PublishException;
import dev.keel.spi.OutboundRecord;
import java.util.Map;

/**
 * Real brokers carry ids, keys and headers as UTF-8 bytes, which text with an unpaired surrogate has
 * none of; the in-memory broker refuses such a record as they would, instead of storing what no real
 * broker could.
 */
final class EncodableText {

    private EncodableText() {
    }

    /** The refusal of {@code record}, or null when every text of it is encodable as UTF-8. */
    static PublishException refusal(OutboundRecord record) {
        String where = unpaired(record.id()) >= 0 ? "its id"
                : record.key() != null && unpaired(record.key()) >= 0 ? "its key" : null;
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            if (where == null && (unpaired(header.getKey()) >= 0 || unpaired(header.getValue()) >= 0)) {
                where = "a header";
            }
        }
        return where == null ? null : new PublishException("message " + record.id() + " to " + record.topic()
                + " cannot be published: " + where + " has an unpaired UTF-16 surrogate, which has no UTF-8 form; "
                + "brokers carry text as UTF-8: fix the text, or carry binary data in the payload", null, false);
    }

    /** The index of the first unpaired surrogate of {@code s}, or -1. */
    static int unpaired(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
