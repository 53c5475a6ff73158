package dev.keel.spi.support;

import dev.keel.KeelHeaders;
import java.util.Map;
import java.util.Objects;

/** How adapters name a received message: the one rule every adapter follows. */
public final class InboundIds {

    private InboundIds() {
    }

    /**
     * The id a received message is known by: the {@link KeelHeaders#ID} header when present and not
     * blank, otherwise the broker's own stable id ({@code nativeId}, e.g. Kafka
     * {@code topic-partition-offset}, RabbitMQ {@code message-id}).
     */
    public static String idOf(Map<String, String> headers, String nativeId) {
        Objects.requireNonNull(nativeId, "nativeId");
        String id = headers.get(KeelHeaders.ID);
        return id != null && !id.isBlank() ? id : nativeId;
    }
}
