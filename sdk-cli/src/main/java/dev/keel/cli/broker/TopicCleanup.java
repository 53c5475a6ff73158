package dev.keel.cli.broker;

import dev.keel.cli.ClientConfigRefusals;
import java.util.List;

/**
 * Deletes a run's scratch topics (and the dead-letter topics their subscriptions ensured) unless
 * {@code --keep-topics}; says what failed instead of throwing.
 */
public final class TopicCleanup {

    private TopicCleanup() {
    }

    /** @return {@code null} when done (or nothing to do), else a one-line problem for the report */
    public static String run(BrokerMode mode, BrokerOptions options, List<String> topics) {
        if (options.keepTopics() || topics.isEmpty()) {
            return null;
        }
        try {
            mode.deleteTopics(options, topics);
            return null;
        } catch (RuntimeException e) {
            if (ClientConfigRefusals.of(e).isPresent()) {
                return null; // its client refuses its settings: it created no topic either, and the run says why
            }
            return "could not delete the run's topics " + topics + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); delete them by hand";
        }
    }
}
