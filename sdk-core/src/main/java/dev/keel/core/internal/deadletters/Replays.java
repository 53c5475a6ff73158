package dev.keel.core.internal.deadletters;

import dev.keel.AccessRefusedException;
import dev.keel.GroupActiveException;
import dev.keel.PartitionRewind;
import dev.keel.ReplayResult;
import dev.keel.ReprocessException;
import dev.keel.TopicSpec;
import dev.keel.core.internal.claims.Claims;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.spi.ReplayAdmin;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewinds a group to a time through the adapter's {@link ReplayAdmin}. A reprocess first forgets the
 * group's marks of the replayed range ({@link ForgottenMarks}), then rewinds: so a member that joins
 * after the rewind finds no mark of what it reads again. When the rewind is refused because a member
 * joined meanwhile, nothing has moved: the forgotten marks are put back. Any failure after the plan
 * is a {@link ReprocessException} that says what was forgotten, restored and rewound; the group is
 * never left rewound with the marks still in place, so running the same reprocess again completes it.
 */
public final class Replays {

    private static final Logger LOG = LoggerFactory.getLogger(Replays.class);

    private Replays() {
    }

    /**
     * Rewinds {@code group} of {@code topic} to {@code from}; with {@code reprocess}, first forgets
     * the marks of the messages between the new and the old positions.
     *
     * @param store null when Keel has none (then reprocess is refused)
     * @throws ReprocessException when a reprocess failed after its plan (see the class comment)
     */
    public static ReplayResult replay(BrokerAdapter adapter, IdempotencyStore store, String topic, String group,
                                      Instant from, boolean reprocess) {
        Objects.requireNonNull(from, "from");
        if (!TopicSpec.isValidName(topic) || !TopicSpec.isValidName(group)) {
            throw new IllegalArgumentException("topic and group must be 1-200 characters of [A-Za-z0-9._-], were '"
                    + topic + "' and '" + group + "'");
        }
        if (!(adapter instanceof ReplayAdmin admin) || !adapter.capabilities().contains(Capability.REPLAY)) {
            throw new UnsupportedOperationException(adapter.getClass().getSimpleName() + " does not offer replay "
                    + "(Capability.REPLAY; RabbitMQ queues do not keep consumed messages): see docs/capabilities.md");
        }
        if (reprocess && store == null) {
            throw new IllegalStateException("reprocess forgets done marks in the idempotency store, and this Keel "
                    + "was built withoutIdempotencyStore(): replay without reprocess, or build it with a store");
        }
        List<PartitionRewind> plan = admin.planRewind(topic, group, from);
        int forgotten = 0;
        if (reprocess) {
            forgotten = forgetThenRewind(admin, store, topic, group, from, plan);
        } else {
            admin.rewind(topic, group, plan);
        }
        ReplayResult result = new ReplayResult(topic, group, from, plan, forgotten);
        LOG.info("group '{}' of topic '{}' rewound to {}: {} messages to read again, {} done marks forgotten", group,
                topic, from, result.messages(), forgotten);
        return result;
    }

    private static int forgetThenRewind(ReplayAdmin admin, IdempotencyStore store, String topic, String group,
                                        Instant from, List<PartitionRewind> plan) {
        ForgottenMarks marks = new ForgottenMarks(store, Claims.namespaceOf(group, topic));
        try {
            admin.readIds(topic, plan, ids -> {
                for (int i = 0; i < ids.size(); i += ForgottenMarks.BATCH) {
                    marks.forget(ids.subList(i, Math.min(ids.size(), i + ForgottenMarks.BATCH)));
                }
            });
        } catch (RuntimeException e) {
            throw failed(topic, group, from, "while forgetting done marks", e, marks, restore(marks), false);
        }
        try {
            admin.rewind(topic, group, plan);
        } catch (GroupActiveException e) {
            // refused before anything moved: put the marks back
            throw failed(topic, group, from, "at the rewind, refused", e, marks, restore(marks), false);
        } catch (RuntimeException e) {
            // maybe part way (partitions moved one by one): the marks stay forgotten, so that running it again completes it
            throw failed(topic, group, from, "at the rewind", e, marks, null, true);
        }
        return marks.forgotten();
    }

    /** Puts the forgotten marks back; null when all were, else what stays forgotten and why. */
    private static String restore(ForgottenMarks marks) {
        try {
            marks.restore();
            return null;
        } catch (RuntimeException e) {
            LOG.warn("restoring the done marks a failed reprocess forgot failed: {}", e.toString());
            return e.toString();
        }
    }

    private static ReprocessException failed(String topic, String group, Instant from, String where,
                                             RuntimeException cause, ForgottenMarks marks, String restoreFailure,
                                             boolean maybeRewound) {
        int forgotten = marks.forgotten();
        int restored = Math.min(marks.restored(), forgotten);
        String state;
        if (forgotten == 0) {
            state = "no done mark was forgotten";
        } else if (maybeRewound) {
            state = forgotten + " done marks were forgotten and stay so, for the partitions it may have rewound";
        } else if (restored == forgotten) {
            state = forgotten + " done marks were forgotten and restored (kept " + ForgottenMarks.RESTORED_RETENTION
                    + " from now)";
        } else {
            state = forgotten + " done marks were forgotten, " + restored + " restored and " + (forgotten - restored)
                    + " not restored (" + restoreFailure + "): until the reprocess completes, a duplicate of one of "
                    + "those messages would run again";
        }
        String advice = cause instanceof GroupActiveException
                ? "stop the group's subscriptions (every instance) and run it again: that completes the reprocess"
                : cause instanceof AccessRefusedException
                ? "grant what the refusal names and run it again: that completes the reprocess"
                : "run it again once the broker and the idempotency store answer: that completes the reprocess";
        String message = "reprocess of group '" + group + "' of topic '" + topic + "' from " + from + " failed " + where
                + " (" + cause.getMessage() + "); the group was " + (maybeRewound ? "maybe rewound in part" : "not rewound")
                + "; " + state + ". To finish, " + advice;
        LOG.warn(message);
        return new ReprocessException(message, cause, forgotten, restored, maybeRewound);
    }
}
