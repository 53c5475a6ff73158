package dev.keel.deadletter;

/**
 * What a re-drive did so far, or in all.
 *
 * @param examined the group's dead letters read
 * @param redriven those published to their origin (confirmed) and then removed from the dead-letter topic
 * @param kept     those left on the dead-letter topic: not matching the filter, truncated (no payload
 *                 to re-drive) or without an origin topic
 * @param failed   those whose re-publish failed: they stay on the dead-letter topic, for a later re-drive
 */
public record RedriveResult(int examined, int redriven, int kept, int failed) {

    /** Nothing done yet. */
    public static final RedriveResult NONE = new RedriveResult(0, 0, 0, 0);

    public RedriveResult {
        if (examined < 0 || redriven < 0 || kept < 0 || failed < 0) {
            throw new IllegalArgumentException("counts must be >= 0");
        }
    }
}
