package dev.keel.cli.dlq;

import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** How {@code keel dlq} writes dead letters and filters. */
final class DlqText {

    private DlqText() {
    }

    static DeadLetterFilter filterOrUsageError(DlqOptions options, CommandSpec spec) {
        try {
            return options.filter();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    static String simpleName(String className) {
        if (className == null) {
            return "?";
        }
        int dot = Math.max(className.lastIndexOf('.'), className.lastIndexOf('$'));
        return className.substring(dot + 1);
    }

    static String origin(DeadLetter letter) {
        if (letter.originTopic() == null) {
            return "?";
        }
        return letter.originTopic() + "/" + letter.originPartition()
                + (letter.originPosition() >= 0 ? "@" + letter.originPosition() : "");
    }

    /** Printed after a listing or re-drive that found none of the group's letters: what a read cannot see. */
    static String noneFound(DeadLetters deadLetters) {
        return "(a read finds only the dead letters not consumed in group " + deadLetters.group() + ": a subscription "
                + "of " + deadLetters.deadLetterTopic() + " in that group takes them out of its view; read dead "
                + "letters to alert on them in a group of their own)";
    }

    /** Printed after a listing or re-drive ({@code operation}) that could not read {@code partitions}. */
    static String partitionsNotRead(DeadLetters deadLetters, Set<String> partitions, String operation) {
        return "partition(s) " + String.join(", ", new TreeSet<>(partitions)) + " of " + deadLetters.deadLetterTopic()
                + " could not be read: another member of group " + deadLetters.group() + " held them (a re-drive or "
                + "listing of the group running now, or one that was killed, which holds them until the broker's "
                + "session timeout ends its membership: on Kafka 45 s by default), or the broker refused the read's "
                + "member outright (on Kafka: a share group or a consumer of another protocol using the name "
                + deadLetters.group() + ", 'InconsistentGroupProtocolException' in the warnings above: it blocks for as "
                + "long as that group exists). Their letters were not read; run the " + operation + " again once it "
                + "is gone";
    }

    static String describe(DlqOptions options) {
        List<String> parts = new ArrayList<>();
        if (options.cause != null) {
            parts.add("--cause " + options.cause);
        }
        if (options.from != null) {
            parts.add("--from " + options.from);
        }
        if (options.until != null) {
            parts.add("--until " + options.until);
        }
        return parts.isEmpty() ? "all" : String.join(" ", parts);
    }
}
