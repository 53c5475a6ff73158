package dev.keel.cli.dlq;

import dev.keel.cli.EnvironmentException;
import dev.keel.cli.ExitCodes;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.spi.BrokerAdapter;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keel dlq show ID}: one dead letter in full (never its payload), not removed. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Show one dead letter: cause, attempts, origin, when (never the payload), without removing it.")
public final class DlqShowCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private DlqOptions options = new DlqOptions();

    @Parameters(index = "0", paramLabel = "ID", description = "The message id.")
    private String id;

    @Override
    public Integer call() {
        DlqText.filterOrUsageError(options, spec);
        var mode = options.mode();
        PrintWriter out = spec.commandLine().getOut();
        try (BrokerAdapter adapter = mode.createAdapter(options.broker); Keel keel = DlqOptions.keelOn(adapter)) {
            DeadLetters deadLetters = options.deadLetters(keel);
            DeadLetter letter = deadLetters.find(id).orElseThrow(() -> new EnvironmentException("no dead letter "
                    + "with id '" + id + "' for group " + options.group + " on " + deadLetters.deadLetterTopic()
                    + " (run 'keel dlq list' to see the ids)"));
            out.println("id:               " + letter.id());
            out.println("key:              " + (letter.key() == null ? "-" : letter.key()));
            out.println("group:            " + letter.group());
            out.println("cause class:      " + letter.causeClass());
            out.println("cause message:    " + letter.causeMessage());
            out.println("reason:           " + letter.reason());
            out.println("attempts:         " + letter.attempts());
            out.println("origin:           " + DlqText.origin(letter));
            out.println("dead-lettered at: " + letter.deadLetteredAt());
            out.println("payload:          " + (letter.truncated() ? "left out (dead-lettered truncated; cannot be "
                    + "re-driven)" : letter.payloadBytes() + " bytes"));
        }
        return ExitCodes.OK;
    }
}
