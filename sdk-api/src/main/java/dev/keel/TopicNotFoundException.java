package dev.keel;

/**
 * A subscription's topic does not exist on the broker, and nothing declared it: Keel creates a topic only when it
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
}
