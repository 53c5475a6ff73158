package dev.keel.cli.broker;

import dev.keel.TopicSpec;
import java.util.List;

/** Deletes a run's scratch topics unless {@code --keep-topics}; says what failed instead of throwing. */
public final class TopicCleanup {

    private TopicCleanup() {
    }

    /** @return {@code null} when done (or nothing to do), else a one-line problem for the report */
    public static String run(BrokerMode mode, BrokerOptions options, List<TopicSpec> topics) {
        if (options.keepTopics() || topics.isEmpty()) {
            return null;
        }
        try {
            mode.deleteTopics(options, topics);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while deleting the run's topics";
        } catch (Exception e) {
            return "could not delete the run's topics " + topics.stream().map(TopicSpec::name).toList() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); delete them by hand";
        }
    }
}
