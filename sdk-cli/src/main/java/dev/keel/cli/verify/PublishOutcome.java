package dev.keel.cli.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What the broker confirmed of one round's publishes, and how the oversized ones failed. */
final class PublishOutcome {

    /**
     * One oversized publish.
     *
     * @param fault the planned fault
     * @param id    its message id (for the id shape, the oversized id itself)
     * @param error why it failed, {@code null} when the broker confirmed it
     */
    record Oversized(FaultPlan.Fault fault, String id, Throwable error) {
        boolean confirmed() {
            return error == null;
        }
    }

    final Set<String> confirmedIds = ConcurrentHashMap.newKeySet();
    long confirmedPublishes;
    /** The first failures of healthy publishes (id to error), for the notes and the oversized check. */
    final Map<String, Throwable> failures = new ConcurrentHashMap<>();
    long failedPublishes;
    final List<Oversized> oversized = new ArrayList<>();
}
