package dev.keel.cli.dlq;

import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerModes;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.spi.BrokerAdapter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The flags every {@code keel dlq} command shares: the broker (as {@code verify} and {@code bench}
 * take it), the topic and group whose dead letters to read, and the filter.
 */
final class DlqOptions {

    @Mixin
    BrokerOptions broker = new BrokerOptions();

    @Option(names = "--topic", required = true, paramLabel = "TOPIC",
            description = "The topic whose dead letters to read (its dead-letter topic is the adapter's default, "
                    + "e.g. <topic>.DLT, unless --dead-letter-topic names it).")
    String topic;

    @Option(names = "--group", required = true, paramLabel = "GROUP",
            description = "The consumer group that dead-lettered them (and keeps them).")
    String group;

    @Option(names = "--dead-letter-topic", paramLabel = "TOPIC",
            description = "The dead-letter topic, when the subscription's DeadLetterPolicy names another one.")
    String deadLetterTopic;

    @Option(names = "--cause", paramLabel = "CLASS",
            description = "Only dead letters whose cause is this exception class (fully qualified or simple name).")
    String cause;

    @Option(names = "--from", paramLabel = "INSTANT",
            description = "Only dead letters dead-lettered at or after this time (ISO-8601, e.g. 2026-11-22T15:00:00Z).")
    String from;

    @Option(names = "--until", paramLabel = "INSTANT",
            description = "Only dead letters dead-lettered before this time (ISO-8601).")
    String until;

    /** The filter the flags describe; a bad value is an IllegalArgumentException saying what to write. */
    DeadLetterFilter filter() {
        DeadLetterFilter filter = DeadLetterFilter.all();
        if (cause != null) {
            filter = filter.withCauseClass(cause);
        }
        if (from != null || until != null) {
            filter = filter.withTimeRange(instant(from, "--from"), instant(until, "--until"));
        }
        return filter;
    }

    BrokerMode mode() {
        BrokerMode mode = BrokerModes.lookup(broker.broker());
        broker.tls(); // the TLS flags checked at once, before any connection
        mode.preflight(broker);
        return mode;
    }

    /** A Keel on {@code adapter} that consumes nothing: dead letters need no idempotency store to read or re-drive. */
    static Keel keelOn(BrokerAdapter adapter) {
        return Keel.builder(adapter).withoutIdempotencyStore().build();
    }

    DeadLetters deadLetters(Keel keel) {
        return deadLetterTopic == null ? keel.deadLetters(topic, group)
                : keel.deadLetters(topic, group, deadLetterTopic);
    }

    private static Instant instant(String text, String flag) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(flag + " must be an ISO-8601 instant such as 2026-11-22T15:00:00Z, was '"
                    + text + "'");
        }
    }
}
