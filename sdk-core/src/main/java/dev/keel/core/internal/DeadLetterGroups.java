package dev.keel.core.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which dead-letter topics this Keel's subscriptions keep for their groups, and which topics its subscriptions read
 * in which group, to warn (once per topic and group) about a subscription that reads a dead-letter topic in the very
 * group that keeps its dead letters: it consumes them, so {@code keel.deadLetters(topic, group)} and
 * {@code keel dlq} no longer find them, and a listing meanwhile competes with it. Either order of subscribing is
 * caught; what is remembered stays for the life of the Keel (closing a subscription does not bring its letters
 * back). Thread-safe.
 */
public final class DeadLetterGroups {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterGroups.class);

    /** A topic read, or a dead-letter topic kept, as a group. */
    private record Read(String topic, String group) {
    }

    private final Logger log;
    /** Dead-letter topic and group that keeps it, to the topic whose letters they are. */
    private final Map<Read, String> kept = new HashMap<>();
    private final Set<Read> read = new HashSet<>();
    private final Set<Read> warned = new HashSet<>();

    public DeadLetterGroups() {
        this(LOG);
    }

    DeadLetterGroups(Logger log) {
        this.log = log;
    }

    /**
     * A subscription of {@code topic} starts.
     *
     * @param group           its group
     * @param deadLetterTopic where it dead-letters (kept for {@code group}), or null without dead letters
     * @param ownGroup        it reads in a group of its own, not as {@code group} (a broadcast instance, a share
     *                        group), so it consumes nothing that group keeps
     */
    public synchronized void subscribed(String topic, String group, String deadLetterTopic, boolean ownGroup) {
        if (deadLetterTopic != null) {
            Read keeping = new Read(deadLetterTopic, group);
            kept.putIfAbsent(keeping, topic);
            if (read.contains(keeping)) {
                warn(keeping);
            }
        }
        if (!ownGroup) {
            Read reading = new Read(topic, group);
            read.add(reading);
            if (kept.containsKey(reading)) {
                warn(reading);
            }
        }
    }

    private void warn(Read conflict) {
        if (!warned.add(conflict)) {
            return;
        }
        String origin = kept.get(conflict);
        log.warn("A subscription of this Keel reads dead-letter topic {} in group {}, the group that keeps the dead "
                        + "letters of {}: it consumes them, so keel.deadLetters(\"{}\", \"{}\") and keel dlq "
                        + "list/redrive no longer find them (and a listing meanwhile competes with it). To alert on "
                        + "dead letters and keep them re-drivable, read {} in a group of its own (e.g. {}-dlt-alerts; "
                        + "on RabbitMQ declare that group with ensureTopology before letters arrive). Logged once",
                conflict.topic(), conflict.group(), origin, origin, conflict.group(), conflict.topic(),
                conflict.group());
    }

    /**
     * {@code keel.deadLetters} of {@code group} on {@code deadLetterTopic} is asked for: warns (once) when a
     * subscription of this Keel reads that topic in that group, since it consumes what the listing would show.
     */
    public synchronized void listing(String deadLetterTopic, String group) {
        Read reading = new Read(deadLetterTopic, group);
        if (read.contains(reading) && kept.containsKey(reading)) {
            warn(reading);
        } else if (read.contains(reading) && warned.add(reading)) {
            log.warn("keel.deadLetters on {} for group {}: a subscription of this Keel reads {} in group {}, so it "
                    + "consumes the dead letters a listing or re-drive would find; read them in a group of its own "
                    + "(e.g. {}-dlt-alerts). Logged once", deadLetterTopic, group, deadLetterTopic, group, group);
        }
    }
}
