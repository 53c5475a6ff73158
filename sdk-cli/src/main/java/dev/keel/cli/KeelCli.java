package dev.keel.cli;

import dev.keel.AccessRefusedException;
import dev.keel.KeelException;
import dev.keel.StoreRefusedException;
import dev.keel.TopologyException;
import dev.keel.cli.bench.BenchCommand;
import dev.keel.cli.dlq.DlqCommand;
import dev.keel.cli.verify.VerifyCommand;
import dev.keel.cli.replay.ReplayCommand;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * {@code keel}: the command line of Keel. {@code keel verify} checks the guarantees under injected
 * faults; {@code keel bench} measures them against the raw clients. Errors are one clear message
 * (what is wrong, what to do) and an exit code, never a bare stack trace.
 */
@Command(name = "keel", mixinStandardHelpOptions = true, versionProvider = KeelCli.Version.class,
        subcommands = {VerifyCommand.class, BenchCommand.class, ReplayCommand.class, DlqCommand.class,
                CommandLine.HelpCommand.class},
        description = "Reliable messaging over Kafka, RabbitMQ, RocketMQ and ActiveMQ (Artemis, Classic): check and measure Keel's guarantees, re-drive dead letters and replay a group.",
        footer = {"", "Start with:  ./keel verify      (embedded broker, nothing to install)",
            "Docs: docs/cli.md"})
public final class KeelCli implements Runnable {

    /** The log level of Keel's engine (sdk-core's packages). */
    static final String ENGINE_LOG_LEVEL = "org.slf4j.simpleLogger.log.dev.keel.core";

    @Option(names = "--stacktrace", scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, print its stack trace after the message.")
    private boolean stacktrace;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: choose verify, bench, replay or dlq");
    }

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs {@code keel args} with the given streams and returns the exit code (see {@link ExitCodes}). */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        quietLogging();
        CommandLine cli = new CommandLine(new KeelCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler(KeelCli::onBadFlag);
        cli.setExecutionExceptionHandler(KeelCli::onFailure);
        cli.setExitCodeExceptionMapper(e -> ExitCodes.INTERNAL_ERROR);
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private static int onBadFlag(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("keel: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the flags and their defaults.");
        err.flush();
        return ExitCodes.USAGE_OR_ENVIRONMENT;
    }

    private static int onFailure(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean trace = parsed.matchedOption("--stacktrace") != null
                || parsed.asCommandLineList().stream().anyMatch(c -> c.getParseResult().hasMatchedOption("--stacktrace"));
        int code;
        Throwable cause = rootOf(e);
        Optional<String> configRefused = ClientConfigRefusals.of(e);
        if (e instanceof EnvironmentException) {
            err.println("keel: " + e.getMessage());
            code = ExitCodes.USAGE_OR_ENVIRONMENT;
        } else if (configRefused.isPresent()) {
            // before the adapter's KeelException that carries it: said the same way by every command, naming the flags
            err.println("keel: " + configRefused.get());
            code = ExitCodes.USAGE_OR_ENVIRONMENT;
        } else if (cause instanceof TopologyException t) {
            // a topic missing or declared otherwise: the names or the topology are wrong, the broker did not fail
            err.println("keel: " + t.getClass().getSimpleName() + ": " + t.getMessage());
            code = ExitCodes.USAGE_OR_ENVIRONMENT;
        } else if (cause instanceof KeelException k) {
            err.println("keel: " + k.getClass().getSimpleName() + ": " + k.getMessage());
            if (k instanceof AccessRefusedException || k instanceof StoreRefusedException) {
                err.println("  The broker or store refused access (not an outage: it answered); fix what the message "
                        + "names and run again.");
            } else {
                err.println("  The broker or store failed during the run"
                        + (k.isRetriable() ? " (a transient failure: check it is up and try again)." : "."));
            }
            code = ExitCodes.USAGE_OR_ENVIRONMENT;
        } else {
            err.println("keel: internal error: " + e);
            err.println("  This is a bug in keel. Rerun with --stacktrace and report the output.");
            code = ExitCodes.INTERNAL_ERROR;
        }
        if (trace) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static Throwable rootOf(Throwable e) {
        Throwable t = e;
        while (!(t instanceof KeelException) && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Library logs at warn on stderr; the engine's own at error, since verify injects the failures it
     * would warn about (poison messages, crashes) and reports what matters itself. Any
     * {@code -Dorg.slf4j.simpleLogger.*} the user sets wins.
     */
    private static void quietLogging() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        if (System.getProperty(ENGINE_LOG_LEVEL) == null) {
            System.setProperty(ENGINE_LOG_LEVEL, "error");
        }
        if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
            System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KeelCli.class.getPackage().getImplementationVersion();
            return new String[] {"keel " + (v != null ? v : "0.1.0-SNAPSHOT")};
        }
    }
}
