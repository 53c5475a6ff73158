package dev.keel;

/**
 * A topic does not exist on the broker: a subscription's, a replay's ({@code Keel.replay}), or a dead-letter read's
 * ({@code Keel.deadLetters}, when its dead-letter topic does not exist either). For a subscription, nothing declared it: Keel creates a topic only when it
 * is declared ({@code Keel.ensureTopology}; with Spring Boot, {@code keel.topics.<topic>.*}), never on first use,
 * since a topic the broker creates on its own gets the broker's defaults, not the partitions the application's
 * ordering needs. Declare the topic, or check its name. Not retriable.
 */
public class TopicNotFoundException extends TopologyException {

    private static final long serialVersionUID = 1L;

    /**
     * @param topic   the topic that does not exist
     * @param message where it was looked for and what to do
     */
    public TopicNotFoundException(String topic, String message) {
        super(topic, message);
    }

    /**
     * @param topic   the topic that does not exist
     * @param message where it was looked for and what to do
     * @param cause   how it was found missing (the broker's answer, or a lookup of another topic)
     */
    public TopicNotFoundException(String topic, String message, Throwable cause) {
        super(topic, message, cause);
    }
}
