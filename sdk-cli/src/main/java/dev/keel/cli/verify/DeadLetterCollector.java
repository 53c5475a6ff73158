package dev.keel.cli.verify;

import dev.keel.Delivery;
import dev.keel.KeelHeaders;
import dev.keel.MessageHandler;
import dev.keel.spi.InboundRecord;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the dead-letter topic: which ids arrived there, and with which cause. The cause headers are
 * taken from the delivery, or, when the delivery's application headers leave Keel's reserved
 * {@code keel-dlt-*} headers out, from the record as the broker handed it over.
 */
final class DeadLetterCollector implements MessageHandler<byte[]> {

    /** One dead letter as seen. */
    record DeadLetter(String id, String causeClass, String causeMessage, String attempts) {
        boolean hasCause() {
            return causeClass != null && !causeClass.isBlank() && causeMessage != null && !causeMessage.isBlank();
        }
    }

    private final Map<String, DeadLetter> received = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> rawHeaders = new ConcurrentHashMap<>();

    /** Registered with {@link dev.keel.cli.broker.ObservedAdapter#observe} for the dead-letter topic. */
    void observeRaw(InboundRecord record) {
        rawHeaders.put(record.id(), record.headers());
    }

    @Override
    public void handle(Delivery<byte[]> delivery) {
        Map<String, String> headers = delivery.headers();
        if (!headers.containsKey(KeelHeaders.DLT_CAUSE_CLASS)) {
            headers = rawHeaders.getOrDefault(delivery.id(), headers);
        }
        received.putIfAbsent(delivery.id(), new DeadLetter(delivery.id(), headers.get(KeelHeaders.DLT_CAUSE_CLASS),
                headers.get(KeelHeaders.DLT_CAUSE_MESSAGE), headers.get(KeelHeaders.DLT_ATTEMPTS)));
    }

    DeadLetter get(String id) {
        return received.get(id);
    }

    boolean contains(String id) {
        return received.containsKey(id);
    }

    Map<String, DeadLetter> all() {
        return Map.copyOf(received);
    }
}
