package dev.keel.observation;

import dev.keel.Message;
import dev.keel.PublishReceipt;
import io.micrometer.observation.transport.SenderContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link KeelObservationDocumentation#PUBLISH} observation knows: the messaging system, the
 * topic, the message as given to the publish (its id set), and the broker's receipt once confirmed.
 * Its carrier collects the headers a tracer's propagation writes (W3C {@code traceparent} and
 * {@code tracestate} with OpenTelemetry or Brave's W3C propagation); they are added to the message
 * that is sent.
 */
public class KeelPublishContext extends SenderContext<Map<String, String>> {

    private final String messagingSystem;
    private final String topic;
    private final Message message;
    private volatile PublishReceipt receipt;

    /**
     * @param messagingSystem the {@code messaging.system} value, such as {@code kafka}
     * @param topic           the topic published to
     * @param message         the message being published
     */
    public KeelPublishContext(String messagingSystem, String topic, Message message) {
        super((carrier, name, value) -> {
            if (carrier != null) {
                carrier.put(name, value);
            }
        });
        this.messagingSystem = Objects.requireNonNull(messagingSystem, "messagingSystem");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.message = Objects.requireNonNull(message, "message");
        setCarrier(new LinkedHashMap<>());
        setRemoteServiceName(messagingSystem);
    }

    /** The {@code messaging.system} value. */
    public String messagingSystem() {
        return messagingSystem;
    }

    /** The topic published to. */
    public String topic() {
        return topic;
    }

    /** The message as given to the publish, before the propagated headers are added. */
    public Message message() {
        return message;
    }

    /** The broker's receipt once the publish is confirmed, else {@code null}. */
    public PublishReceipt receipt() {
        return receipt;
    }

    /** Records the broker's receipt; called when the publish is confirmed. */
    public void receipt(PublishReceipt receipt) {
        this.receipt = receipt;
    }
}
