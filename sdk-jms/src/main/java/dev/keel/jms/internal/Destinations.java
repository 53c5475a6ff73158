package dev.keel.jms.internal;

import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Session;

import java.util.HashMap;
import java.util.Map;

/**
 * A send lane's destinations, made once per topic and session: Artemis's {@code Session.createTopic} asks the broker
 * whether the address exists, a round trip that, made for every send, held each lane to one message per round trip
 * even with sends pipelined. Whether the topic still routes is {@link Routes}' check. Used by the lane's thread only;
 * cleared when its session closes.
 */
final class Destinations {
    /** Past this many topics the lane forgets them all and starts again. */
    private static final int MAX_TOPICS = 1_000;

    private final Map<String, Destination> byTopic = new HashMap<>();

    Destination of(JmsDialect dialect, Session session, String topic) throws JMSException {
        Destination known = byTopic.get(topic);
        if (known != null) {
            return known;
        }
        if (byTopic.size() >= MAX_TOPICS) {
            byTopic.clear();
        }
        Destination made = dialect.topic(session, topic);
        byTopic.put(topic, made);
        return made;
    }

    void clear() {
        byTopic.clear();
    }
}
