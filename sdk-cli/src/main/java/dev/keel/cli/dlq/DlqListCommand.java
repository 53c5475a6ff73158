package dev.keel.cli.dlq;

import dev.keel.cli.ExitCodes;
import dev.keel.cli.TextTable;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetterListing;
import dev.keel.deadletter.DeadLetters;
import dev.keel.spi.BrokerAdapter;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code keel dlq list}: the group's dead letters, one line each, none removed. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the group's dead letters (matching the filter) without removing them.")
public final class DlqListCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private DlqOptions options = new DlqOptions();

    @Override
    public Integer call() {
        var filter = DlqText.filterOrUsageError(options, spec);
        var mode = options.mode();
        PrintWriter out = spec.commandLine().getOut();
        try (BrokerAdapter adapter = mode.createAdapter(options.broker); Keel keel = DlqOptions.keelOn(adapter)) {
            DeadLetters deadLetters = options.deadLetters(keel);
            out.println("keel dlq list: broker " + mode.name() + " (" + mode.endpoint(options.broker) + "), "
                    + deadLetters.deadLetterTopic() + ", group " + deadLetters.group());
            DeadLetterListing listing = deadLetters.listing(filter);
            List<DeadLetter> letters = listing.letters();
            TextTable table = new TextTable("ID", "KEY", "CAUSE", "ATTEMPTS>", "ORIGIN", "DEAD-LETTERED AT");
            for (DeadLetter letter : letters) {
                table.row(letter.id(), letter.key(), DlqText.simpleName(letter.causeClass()), letter.attempts(),
                        DlqText.origin(letter), letter.deadLetteredAt());
            }
            table.print(out, "");
            out.println(letters.size() + " dead letter(s)" + (filter.equals(DeadLetterFilter.all())
                    ? "" : " matching " + DlqText.describe(options)));
            if (!listing.complete()) {
                out.println(DlqText.partitionsNotRead(deadLetters, listing.partitionsNotRead(), "listing"));
                return 1;
            }
            if (letters.isEmpty()) {
                out.println(DlqText.noneFound(deadLetters));
            }
        }
        return ExitCodes.OK;
    }
}
