package dev.keel.cli.dlq;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code keel dlq}: the dead letters a consumer group left for a topic. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        subcommands = {DlqListCommand.class, DlqShowCommand.class, DlqRedriveCommand.class,
            CommandLine.HelpCommand.class},
        description = {"List, show and re-drive the dead letters a consumer group left for a topic.",
            "Reading acknowledges nothing; a re-drive publishes each matching dead letter to its origin topic "
                    + "(same id, header keel-redriven-at) and removes it only once that publish is confirmed."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:some dead letters could not be re-driven (they stay)",
            "2:bad flags, or the broker cannot be reached", "3:internal error in keel (please report it)"})
public final class DlqCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: choose list, show or redrive");
    }
}
