package dev.keel.core.internal.deadletters;

import dev.keel.KeelHeaders;
import dev.keel.TopicNotFoundException;
import dev.keel.TopicSpec;
import dev.keel.core.internal.util.ExtensionFailures;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetterListing;
import dev.keel.deadletter.DeadLetters;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.TopologyAdmin;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DeadLetters} on any adapter, through its ordinary consumer and producer: the dead-letter
 * topic is read as the group ({@link DeadLetterReading}); a listing acknowledges nothing; a re-drive
 * publishes each matching letter to its origin as a copy for this group only
 * ({@link DeadLetterRecords#redriven}) and acknowledges it once that publish is confirmed,
 * and keeps each other letter of the group by re-appending it (confirmed) before acknowledging it.
 * Letters of other groups are acknowledged in this group's view only. A letter whose id this
 * operation already handled (its own re-appended copy, or a re-driven copy dead-lettered again
 * meanwhile) is left unacknowledged: it goes back to the group when the read ends.
 */
public final class DefaultDeadLetters implements DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultDeadLetters.class);

    private static final Duration MIN_QUIET = Duration.ofMillis(1);
    private static final Duration MAX_QUIET = Duration.ofHours(1);

    private final BrokerAdapter adapter;
    private final String topic;
    private final String group;
    private final String deadLetterTopic;
    private final Clock clock;
    private final Duration publishTimeout;
    private final Duration firstWait;
    private final Duration quiet;

    /** Where a re-drive listener's failure is counted: it stops nothing. */
    private final ExtensionFailures failures;

    public DefaultDeadLetters(BrokerAdapter adapter, String topic, String group, String deadLetterTopic, Clock clock,
                       Duration publishTimeout, Duration firstWait, Duration quiet, ExtensionFailures failures) {
        this.failures = failures;
        this.adapter = adapter;
        this.topic = topic;
        this.group = group;
        this.deadLetterTopic = deadLetterTopic;
        this.clock = clock;
        this.publishTimeout = publishTimeout;
        this.firstWait = firstWait;
        this.quiet = quiet;
    }

    @Override
    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    @Override
    public String group() {
        return group;
    }

    @Override
    public Duration quietPeriod() {
        return quiet;
    }

    @Override
    public DeadLetters withQuietPeriod(Duration quiet) {
        Objects.requireNonNull(quiet, "quiet");
        if (quiet.compareTo(MIN_QUIET) < 0 || quiet.compareTo(MAX_QUIET) > 0) {
            throw new IllegalArgumentException("the quiet period must be positive, between " + MIN_QUIET.toMillis()
                    + " ms and " + MAX_QUIET.toHours() + " h (reads wait in whole milliseconds), was " + quiet);
        }
        return new DefaultDeadLetters(adapter, topic, group, deadLetterTopic, clock, publishTimeout, firstWait, quiet, failures);
    }

    @Override
    public DeadLetterListing listing(DeadLetterFilter filter) {
        Objects.requireNonNull(filter, "filter");
        List<DeadLetter> letters = new ArrayList<>();
        boolean ofGroup = false;
        int others = 0;
        Set<String> notRead;
        try (DeadLetterReading reading = open()) {
            if (reading == null) {
                // no dead-letter topic: no letter was ever written, none can have been consumed
                return new DeadLetterListing(letters, Set.of());
            }
            for (InboundRecord record = reading.next(); record != null; record = reading.next()) {
                DeadLetter letter = DeadLetterRecords.describe(record);
                if (DeadLetterRecords.belongsTo(letter, group)) {
                    ofGroup = true;
                    if (filter.matches(letter)) {
                        letters.add(letter);
                    }
                } else {
                    others++;
                }
            }
            notRead = heldByOthers(reading, "listing");
        }
        if (!ofGroup) {
            logNoneFound("listing", others);
        }
        return new DeadLetterListing(letters, notRead);
    }

    /**
     * The partitions another member of the group held when the read ended (their letters were not read), logged at
     * WARN with what to do; empty when none, or when there was no read.
     */
    private Set<String> heldByOthers(DeadLetterReading reading, String operation) {
        Set<String> held = reading == null ? Set.of() : reading.partitionsHeldByOthers();
        if (!held.isEmpty()) {
            LOG.warn("{} of {} for group {} could not read partition(s) {}: another member of the group held them "
                    + "(another re-drive or listing of the group running now, or one that died, which holds them until "
                    + "the broker ends its membership: on Kafka, its session.timeout.ms). Their letters were not read;"
                    + " run it again once that member is gone", operation, deadLetterTopic, group, new TreeSet<>(held));
        }
        return held;
    }

    @Override
    public RedriveResult redrive(DeadLetterFilter filter, RedriveListener listener) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(listener, "listener");
        Counts counts = new Counts();
        Set<String> handled = new HashSet<>();
        String run = UUID.randomUUID().toString();
        boolean read;
        int others = 0;
        int repeated = 0;
        try (DeadLetterReading reading = open()) {
            read = reading != null;
            for (InboundRecord record = next(reading); record != null; record = reading.next()) {
                if (counts.leftInPlace >= MAX_LEFT_IN_PLACE) {
                    LOG.warn("re-drive of {} for group {} stopped after {} letters it could neither move nor append "
                            + "again (see the warnings above): fix the cause and re-drive again", deadLetterTopic, group,
                            counts.leftInPlace);
                    break;
                }
                DeadLetter letter = DeadLetterRecords.describe(record);
                if (!DeadLetterRecords.belongsTo(letter, group)) {
                    record.ack(); // another group's: its own view keeps it
                    others++;
                    continue;
                }
                if (run.equals(record.headers().get(KeelHeaders.DLT_KEPT_BY))) {
                    continue; // this re-drive's own copy of a letter it kept: the letter itself now, left in place
                }
                if (!handled.add(letter.id())) {
                    // a second letter with an id this re-drive handled already: moved to the end for the next
                    // re-drive, not left unacknowledged in place (each such gap is a range in the group's commit, and
                    // ranges past what a commit can hold are read, and re-driven, again)
                    if (counts.redrivenIds.contains(letter.id())) {
                        repeated++;
                    }
                    reappend(record, run, counts);
                    continue;
                }
                counts.examined++;
                handle(record, letter, filter, counts, run);
                RedriveResult soFar = counts.result();
                int received = reading.received();
                failures.guard("RedriveListener.progress", () -> listener.progress(soFar, received));
            }
            counts.notRead = heldByOthers(reading, "re-drive");
        }
        RedriveResult result = counts.result();
        LOG.info("re-drive of {} for group {}: {}", deadLetterTopic, group, result);
        if (repeated > 0) {
            LOG.info("re-drive of {} for group {}: {} more letter(s) with an id this re-drive had moved already "
                    + "(dead-lettered more than once) were moved to its end: re-drive again to move them",
                    deadLetterTopic, group, repeated);
        }
        if (read && result.examined() == 0) {
            logNoneFound("re-drive", others);
        }
        return result;
    }

    /**
     * A read of the dead-letter topic; null when that topic does not exist while the topic does: no dead letter was
     * ever written (the first subscription that dead-letters creates it), so there is nothing to read.
     *
     * @throws TopicNotFoundException when neither exists: the names are wrong, waiting or retrying cannot help
     */
    private DeadLetterReading open() {
        if (withoutTheGroup()) {
            return null;
        }
        try {
            return DeadLetterReading.start(adapter, deadLetterTopic, group, firstWait, quiet);
        } catch (TopicNotFoundException e) {
            if (!deadLetterTopic.equals(e.topic())) {
                throw e;
            }
            if (!(adapter instanceof TopologyAdmin admin)) {
                throw new TopicNotFoundException(deadLetterTopic, "dead-letter topic '" + deadLetterTopic + "' of topic '"
                        + topic + "' does not exist, and " + adapter.getClass().getSimpleName() + " cannot tell whether '"
                        + topic + "' does (it is no TopologyAdmin): if it does, it has no dead letters yet; if not, "
                        + "check the topic's name", e);
            }
            if (admin.describeTopology(topic).isEmpty()) {
                throw new TopicNotFoundException(topic, "topic '" + topic + "' does not exist on the broker, nor its "
                        + "dead-letter topic '" + deadLetterTopic + "': check the topic's name (and the dead-letter topic's,"
                        + " when its subscription's DeadLetterPolicy names another); retrying cannot help", e);
            }
            LOG.debug("dead-letter topic {} of topic {} does not exist: no dead letter yet", deadLetterTopic, topic);
            return null;
        }
    }

    /**
     * Whether the broker keeps the dead-letter topic's messages per declared group (RabbitMQ: queues per group) and
     * this group has none there: it never dead-lettered to that topic (a mistyped group name), so none of its letters
     * can be there, and reading as it would declare its queues, which would then keep a copy of every later letter.
     */
    private boolean withoutTheGroup() {
        if (!(adapter instanceof TopologyAdmin admin) || !admin.keepsMessagesPerGroup()) {
            return false;
        }
        Optional<TopicSpec> described = admin.describeTopology(deadLetterTopic);
        if (described.isEmpty() || described.get().groups().contains(group)) {
            return false; // no such topic (see open), or the group has letters there
        }
        LOG.info("dead-letter topic {} of {} keeps letters for the groups {}, not for group {}: it has no dead letter "
                + "of that group (check the group's name); nothing was read or declared", deadLetterTopic, topic,
                new TreeSet<>(described.get().groups()), group);
        return true;
    }

    private static InboundRecord next(DeadLetterReading reading) {
        return reading == null ? null : reading.next();
    }

    /**
     * A read of an existing dead-letter topic that found none of the group's letters says which letters it cannot see
     * (a read of a dead-letter topic that does not exist says nothing: no letter was ever written).
     */
    private void logNoneFound(String operation, int others) {
        LOG.info("{} of {} for group {} found no dead letter of the group ({} letter(s) of other groups). If a "
                + "subscription of {} in group {} consumed letters, they are no longer the group's to list or re-drive: "
                + "read dead letters (to alert on them) in a group of their own", operation, deadLetterTopic, group,
                others, deadLetterTopic, group);
    }

    private void handle(InboundRecord record, DeadLetter letter, DeadLetterFilter filter, Counts counts, String run) {
        boolean matches = filter.matches(letter);
        if (matches && letter.truncated()) {
            LOG.warn("dead letter {} was dead-lettered without its payload: it cannot be re-driven and is kept",
                    letter.id());
        } else if (matches && letter.originTopic() == null) {
            LOG.warn("dead letter {} names no origin topic: it cannot be re-driven and is kept", letter.id());
        } else if (matches) {
            if (publish(DeadLetterRecords.redriven(record, letter.originTopic(), group, clock.millis()))) {
                record.ack();
                counts.redriven++;
                counts.redrivenIds.add(letter.id());
            } else {
                counts.failed++;
                counts.leftInPlace++;
            }
            return;
        }
        if (reappend(record, run, counts)) {
            counts.kept++;
        } else {
            counts.failed++; // still in place, unacknowledged: kept, but not moved to the end as it should have been
        }
    }

    /**
     * Appends {@code record} again to the dead-letter topic, marked as this re-drive's, and acknowledges it there;
     * false (counted as left in place) when the append failed.
     */
    private boolean reappend(InboundRecord record, String run, Counts counts) {
        if (publish(DeadLetterRecords.reappended(record, deadLetterTopic, clock.millis(), run))) {
            record.ack();
            return true;
        }
        counts.leftInPlace++;
        return false;
    }

    /**
     * Publishes and waits for the broker's confirmation; false when it failed or timed out. An interrupt does not end
     * the wait: the copy is on its way, and a letter whose copy was confirmed must be acknowledged, or the next
     * re-drive moves it again. The thread's interrupt is set again on return, and the re-drive stops at its next
     * letter.
     */
    private boolean publish(OutboundRecord record) {
        try {
            UninterruptibleWait.await(adapter.producer().send(record).toCompletableFuture(), publishTimeout);
            return true;
        } catch (ExecutionException e) {
            LOG.warn("publishing dead letter {} to {} failed; it stays on {}: {}", record.id(), record.topic(),
                    deadLetterTopic, String.valueOf(e.getCause()));
            return false;
        } catch (TimeoutException e) {
            LOG.warn("publishing dead letter {} to {} not confirmed within {}; it stays on {} (the copy may still "
                    + "arrive, with the same id)", record.id(), record.topic(), publishTimeout, deadLetterTopic);
            return false;
        }
    }

    /**
     * How many letters a re-drive leaves in place before it stops: well under what a Kafka commit's metadata records
     * (about 750 gaps), so that nothing acknowledged after them is read, and re-driven, again.
     */
    static final int MAX_LEFT_IN_PLACE = 200;

    /** The counts of one re-drive; touched by its one thread. */
    private static final class Counts {
        int examined;
        int redriven;
        int kept;
        int failed;
        /**
         * Letters left unacknowledged in place (a failed publish or append). Each is a gap in what the group commits,
         * and on Kafka a commit records a limited number of them: past that, letters acknowledged after the gaps are
         * read, and moved, again. A re-drive stops at {@link DefaultDeadLetters#MAX_LEFT_IN_PLACE}.
         */
        int leftInPlace;
        /** The ids this re-drive moved to their origin topic. */
        final Set<String> redrivenIds = new HashSet<>();

        /** The partitions the re-drive could not read (another member of the group held them when it ended). */
        Set<String> notRead = Set.of();

        RedriveResult result() {
            return new RedriveResult(examined, redriven, kept, failed, notRead);
        }
    }
}
