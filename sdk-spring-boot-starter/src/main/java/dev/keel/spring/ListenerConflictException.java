package dev.keel.spring;

import dev.keel.KeelException;

/**
 * The application declares two listeners, {@link KeelListener} methods or
 * {@link KeelListenerEndpoint} beans, with the same topic and group (after
 * {@code keel.listeners.<id>.topic/.group} are applied). Members of one group share its messages,
 * so each message would reach only one of the two, and both would use one idempotency namespace;
 * the starter refuses to start instead. This holds for broadcast listeners too: one application
 * instance is one member of the broadcast. Give one of them another group, or merge them into one
 * listener. Not retriable.
 */
public class ListenerConflictException extends KeelException {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final String group;

    /**
     * @param first  the listener declared first: its id and where it is declared
     * @param second the other one, likewise
     */
    public ListenerConflictException(String topic, String group, String first, String second) {
        super("Keel listeners " + first + " and " + second + " both consume topic '" + topic + "' as group '" + group
                + "': the members of a group share its messages, so each message would reach only one of the two. "
                + "Give one of them another group (@KeelListener(group = \"...\"), keel.listeners.<id>.group, or "
                + "the group of its SubscriptionConfig), or merge them into one listener", false);
        this.topic = topic;
        this.group = group;
    }

    /** The topic both listeners consume. */
    public String topic() {
        return topic;
    }

    /** The group both listeners joined. */
    public String group() {
        return group;
    }
}
