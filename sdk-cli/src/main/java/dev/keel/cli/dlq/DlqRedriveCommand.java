package dev.keel.cli.dlq;

import dev.keel.cli.ExitCodes;
import dev.keel.cli.StopOnSignal;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.deadletter.RedriveResult;
import dev.keel.spi.BrokerAdapter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel dlq redrive}: re-publishes matching dead letters to their origin topic, after a confirmation. */
@Command(name = "redrive", mixinStandardHelpOptions = true,
        description = {"Re-publish the group's dead letters matching the filter to their origin topic (same id, "
                + "header keel-redriven-at); each is removed from the dead-letter topic only once that publish is "
                + "confirmed. Dead letters that do not match stay (re-appended to the dead-letter topic).",
            "Under EFFECTIVELY_ONCE a re-driven message runs once more; a re-drive repeated by mistake runs nothing."})
public final class DlqRedriveCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private DlqOptions options = new DlqOptions();

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
    private boolean yes;

    @Option(names = "--progress", negatable = true, fallbackValue = "true",
            description = "Draw a progress bar on stderr. Default: when stderr is a terminal.")
    private Boolean progress;

    private final Supplier<BufferedReader> input;

    public DlqRedriveCommand() {
        this(() -> new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
    }

    /** With the answer to the confirmation read from {@code input} (for tests). */
    public DlqRedriveCommand(Supplier<BufferedReader> input) {
        this.input = input;
    }

    @Override
    public Integer call() throws IOException {
        DeadLetterFilter filter = DlqText.filterOrUsageError(options, spec);
        var mode = options.mode();
        PrintWriter out = spec.commandLine().getOut();
        try (StopOnSignal stop = StopOnSignal.install(); BrokerAdapter adapter = mode.createAdapter(options.broker);
             Keel keel = DlqOptions.keelOn(adapter)) {
            DeadLetters deadLetters = options.deadLetters(keel);
            String what = "dead letters of group " + deadLetters.group() + " on " + deadLetters.deadLetterTopic()
                    + " matching " + DlqText.describe(options);
            if (!yes && !confirmed(out, what)) {
                out.println("nothing re-driven");
                return ExitCodes.USAGE_OR_ENVIRONMENT; // as a refused `keel replay --reprocess`: nothing was done
            }
            out.println("keel dlq redrive: broker " + mode.name() + " (" + mode.endpoint(options.broker) + "), " + what);
            RedriveBar bar = new RedriveBar(spec.commandLine().getErr(),
                    progress != null ? progress : System.console() != null);
            RedriveResult result = deadLetters.redrive(filter, bar::update);
            bar.finish();
            out.println("examined " + result.examined() + ", re-driven " + result.redriven() + ", kept "
                    + result.kept() + ", failed " + result.failed());
            int code = ExitCodes.OK;
            if (Thread.interrupted() | stop.signalled()) { // clears the interrupt: the clients close normally
                out.println("stopped before the end: what was re-driven is removed from "
                        + deadLetters.deadLetterTopic() + "; run the re-drive again to move the rest");
                code = 1;
            } else if (!result.complete()) {
                out.println(DlqText.partitionsNotRead(deadLetters, result.partitionsNotRead(), "re-drive"));
                code = 1;
            } else if (result.examined() == 0) {
                out.println(DlqText.noneFound(deadLetters));
            }
            if (result.failed() > 0) {
                out.println(result.failed() + " dead letter(s) could not be re-published and stay on "
                        + deadLetters.deadLetterTopic() + "; run the re-drive again once the broker accepts them");
                code = 1;
            }
            return code;
        }
    }

    private boolean confirmed(PrintWriter out, String what) throws IOException {
        out.print("Re-drive the " + what + " to their origin topic? [y/N] ");
        out.flush();
        String answer = input.get().readLine();
        return answer != null && answer.strip().toLowerCase(Locale.ROOT).startsWith("y");
    }
}
