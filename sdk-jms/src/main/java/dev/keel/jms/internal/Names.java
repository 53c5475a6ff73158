package dev.keel.jms.internal;

/** How Keel names what it declares on the broker. */
public final class Names {
    /** The separator of a fully qualified queue name, {@code address::queue}. */
    private static final String FQQN = "::";

    private Names() {
    }

    /** The durable queue of {@code group} on the topic's address: {@code <topic>.<group>}. */
    public static String groupQueue(String topic, String group) {
        return topic + "." + group;
    }

    /** The queue as a JMS destination names it, fully qualified: {@code <topic>::<topic>.<group>}. */
    public static String qualified(String address, String queue) {
        return address + FQQN + queue;
    }

    /** The group a queue of {@code topic} belongs to, or null when the queue is not one of Keel's. */
    public static String groupOf(String topic, String queue) {
        String prefix = topic + ".";
        return queue.startsWith(prefix) && queue.length() > prefix.length() ? queue.substring(prefix.length()) : null;
    }
}
