package dev.keel;

/**
 * A replay was refused because the consumer group still has active members: a broker moves a
 * group's positions only while no member consumes. Close the group's subscriptions (every instance
 * of the service), replay, then subscribe again. Not retriable as it is.
 */
public class GroupActiveException extends KeelException {
    private static final long serialVersionUID = 1L;

    public GroupActiveException(String topic, String group, int members) {
        super("consumer group '" + group + "' of topic '" + topic + "' has " + members + " active member(s): stop "
                + "its subscriptions (every instance) before replaying, then subscribe again", false);
    }
}
