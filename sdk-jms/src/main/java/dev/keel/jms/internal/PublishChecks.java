package dev.keel.jms.internal;

import dev.keel.PublishException;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.Utf8Text;

import java.util.Locale;
import java.util.Map;

/**
 * What a record must be before it is sent: each refusal is a non-retriable {@link PublishException}
 * naming the rule, since the same message would be refused again; nothing is sent.
 */
public final class PublishChecks {
    private PublishChecks() {
    }

    public static void check(OutboundRecord record, JmsDialect dialect) {
        JmsSettings settings = dialect.settings();
        if (record.payload().length > settings.maxMessageBytes()) {
            throw refused(record, "its payload is " + record.payload().length + " bytes, over the limit of "
                    + settings.maxMessageBytes() + " (" + settings.configName() + ".maxMessageBytes): send less (put "
                    + "large data elsewhere and send a reference), or raise the limit");
        }
        String where = !Utf8Text.encodable(record.id()) ? "its id"
                : record.key() != null && !Utf8Text.encodable(record.key()) ? "its key" : null;
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            String name = header.getKey();
            if (name.isEmpty()) {
                throw refused(record, "a header has an empty name");
            }
            if (JmsMessages.reserved(dialect, name)) {
                throw refused(record, "header '" + name + "' is reserved by the broker (names starting with "
                        + String.join(", ", dialect.reservedPrefixes()).toUpperCase(Locale.ROOT)
                        + " are its instructions): rename it");
            }
            String problem = dialect.headerNameProblem(name);
            if (problem != null) {
                throw refused(record, "header '" + name.substring(0, Math.min(name.length(), 40)) + (name.length() > 40
                        ? "...'" : "'") + " " + problem);
            }
            if (where == null && (!Utf8Text.encodable(name) || !Utf8Text.encodable(header.getValue()))) {
                where = "a header";
            }
        }
        if (where != null) {
            throw refused(record, where + " has an unpaired UTF-16 surrogate, which has no UTF-8 form (plain clients "
                    + "and other protocols could not read it): fix the text, or carry binary data in the payload");
        }
    }

    private static PublishException refused(OutboundRecord record, String why) {
        return new PublishException("message " + record.id() + " cannot be published to topic '" + record.topic() + "': "
                + why, null, false);
    }
}
