package dev.keel.observation;

import dev.keel.Delivery;
import io.micrometer.observation.transport.ReceiverContext;
import java.util.Objects;

/**
 * What a {@link KeelObservationDocumentation#PROCESS} observation knows: the messaging system, the
 * subscription's group, and the delivery (topic, partition, id, attempt, headers). A tracer's
 * propagation reads the trace context from the delivery's application headers, so the consumer span
 * continues the producer's trace.
 */
public class KeelProcessContext extends ReceiverContext<Delivery<?>> {

    private final String messagingSystem;
    private final String group;

    /**
     * @param messagingSystem the {@code messaging.system} value, such as {@code kafka}
     * @param group           the subscription's consumer group
     * @param delivery        the delivery being handled
     */
    public KeelProcessContext(String messagingSystem, String group, Delivery<?> delivery) {
        super((carrier, name) -> carrier == null ? null : carrier.headers().get(name));
        this.messagingSystem = Objects.requireNonNull(messagingSystem, "messagingSystem");
        this.group = Objects.requireNonNull(group, "group");
        setCarrier(Objects.requireNonNull(delivery, "delivery"));
        setRemoteServiceName(messagingSystem);
    }

    /** The {@code messaging.system} value. */
    public String messagingSystem() {
        return messagingSystem;
    }

    /** The subscription's consumer group. */
    public String group() {
        return group;
    }

    /** The delivery being handled. */
    public Delivery<?> delivery() {
        return getCarrier();
    }
}
