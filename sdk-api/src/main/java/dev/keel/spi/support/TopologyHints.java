package dev.keel.spi.support;

/**
 * The end of an adapter's message for a topic that must be declared: the Java call and, for applications that
 * declare topics through the Spring Boot starter, its properties (in brackets when the name would not bind plain),
 * so that a message read in a Spring application names what to set there.
 */
public final class TopologyHints {

    private TopologyHints() {
    }

    /**
     * "with ensureTopology (Spring Boot: keel.topics.orders.partitions=&lt;partitions&gt; and
     * keel.topics.orders.groups=&lt;the consumers' groups&gt;)".
     */
    public static String declareWithGroups(String topic) {
        String prefix = propertyPrefix(topic);
        return "with ensureTopology (Spring Boot: " + prefix + ".partitions=<partitions> and " + prefix
                + ".groups=<the consumers' groups>, which a service that only publishes sets too)";
    }

    /** "with ensureTopology (Spring Boot: keel.topics.orders.partitions=&lt;partitions&gt;)". */
    public static String declare(String topic) {
        return "with ensureTopology (Spring Boot: " + propertyPrefix(topic) + ".partitions=<partitions>)";
    }

    /** {@code keel.topics.<topic>}, or {@code keel.topics[<topic>]} when the plain key would not bind. */
    public static String propertyPrefix(String topic) {
        return topic.matches("[a-z0-9-]+") ? "keel.topics." + topic : "keel.topics[" + topic + "]";
    }
}
