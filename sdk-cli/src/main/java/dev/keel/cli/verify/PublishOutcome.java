package dev.keel.cli.verify;

import dev.keel.KeelException;
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

        /**
         * How it went: {@link Verdict#REFUSED} (a non-retriable KeelException: right), {@link Verdict#ACCEPTED}
         * or {@link Verdict#UNTYPED} (violations), or {@link Verdict#NOT_JUDGED}: it failed retriably while the
         * broker's connection was cut, so its size was never looked at.
         */
        Verdict verdict(boolean brokerCut) {
            if (error == null) {
                return Verdict.ACCEPTED;
            }
            KeelException k = keelCause(error);
            if (k != null && !k.isRetriable()) {
                return Verdict.REFUSED;
            }
            return k != null && brokerCut ? Verdict.NOT_JUDGED : Verdict.UNTYPED;
        }
    }

    /** What became of an oversized publish. */
    enum Verdict {
        REFUSED("refused"), ACCEPTED("ACCEPTED"), UNTYPED("failed untyped"),
        NOT_JUDGED("failed retriably while the broker was cut: not judged");

        private final String label;

        Verdict(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /** The first {@link KeelException} in the cause chain of {@code error}, or {@code null}. */
    static KeelException keelCause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KeelException k) {
                return k;
            }
        }
        return null;
    }

    final Set<String> confirmedIds = ConcurrentHashMap.newKeySet();
    long confirmedPublishes;
    /** The first failures of healthy publishes (id to error), for the notes and the oversized check. */
    final Map<String, Throwable> failures = new ConcurrentHashMap<>();
    long failedPublishes;
    final List<Oversized> oversized = new ArrayList<>();
}
