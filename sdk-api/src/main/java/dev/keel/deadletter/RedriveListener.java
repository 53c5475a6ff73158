package dev.keel.deadletter;

/** Told of a re-drive's progress after each dead letter it handled, on the re-driving thread. */
@FunctionalInterface
public interface RedriveListener {

    /** Tells nothing. */
    RedriveListener NONE = (soFar, received) -> { };

    /**
     * @param soFar    the counts so far
     * @param received how many of the group's dead letters were received so far (the bar's current total;
     *                 it grows while the dead-letter topic is read)
     */
    void progress(RedriveResult soFar, int received);
}
