package dev.keel.core.internal.chain;

import dev.keel.KeelHeaders;
import java.util.Map;

/**
 * Whose retries a subscription consuming a retry topic runs. Retry topic names can collide: topic {@code a.b}
 * with group {@code g} and topic {@code a} with group {@code b.g} both retry through {@code a.b.g.retry} (on
 * RocketMQ topic {@code a} with group {@code b_g} and topic {@code a_b} with group {@code g} through
 * {@code a_b_g_RETRY}), and both groups consume it. A retry copy names the topic it was first consumed from
 * ({@link KeelHeaders#RETRY_ORIGIN_TOPIC}) and the group whose attempt failed ({@link KeelHeaders#RETRY_ORIGIN_GROUP});
 * a copy naming another topic or group is the other subscription's, acknowledged here without running. A copy
 * written by an earlier Keel names no group: only its topic is checked (which already tells the subscriptions of
 * different topics apart). A record naming no origin topic is no retry copy of Keel's (every one names it: a plain
 * client wrote it there, or a topic of the user's own has a retry topic's name): not run either.
 */
public final class RetryOrigin {

    /** For a subscription that consumes no retry topic: admits every message. */
    public static final RetryOrigin ANY = new RetryOrigin(null, null);

    private final String topic;
    private final String group;

    private RetryOrigin(String topic, String group) {
        this.topic = topic;
        this.group = group;
    }

    /** For the subscription of {@code group} consuming the retry topic of its messages from {@code topic}. */
    public static RetryOrigin of(String topic, String group) {
        return new RetryOrigin(topic, group);
    }

    /** Whether a message with {@code headers} is a retry copy of this subscription's own. */
    public boolean admits(Map<String, String> headers) {
        if (topic == null) {
            return true;
        }
        String originTopic = headers.get(KeelHeaders.RETRY_ORIGIN_TOPIC);
        String originGroup = headers.get(KeelHeaders.RETRY_ORIGIN_GROUP);
        return topic.equals(originTopic) && (originGroup == null || originGroup.equals(group));
    }

    @Override
    public String toString() {
        return topic == null ? "any origin" : "topic " + topic + ", group " + group;
    }
}
