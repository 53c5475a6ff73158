package dev.keel.cli.verify;

import dev.keel.cli.DurationConverter;
import dev.keel.cli.ExitCodes;
import dev.keel.cli.bench.Progress;
import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerModes;
import dev.keel.cli.broker.BrokerOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code keel verify}: checks Keel's guarantees under injected faults. */
@Command(name = "verify", sortOptions = false, mixinStandardHelpOptions = true,
        description = {
            "Publishes N messages over K keys with confirmed publish, injects faults (consumer crashes before ack, "
                + "duplicate publishes of the same id, poison messages), consumes under EFFECTIVELY_ONCE with "
                + "PER_KEY ordering, and checks: no confirmed message lost, each id's effect applied once, per-key "
                + "order, every poison message in the dead letters with its cause.",
            "Without --broker it runs on the embedded in-memory broker and store: nothing to install."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every check passed", "1:a guarantee was violated (the report says which, and where)",
            "2:bad flag or value, unreachable broker or Redis, broker not available yet",
            "3:internal error in keel (please report it)"})
public final class VerifyCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private BrokerOptions broker = new BrokerOptions();

    @Option(names = "--messages", paramLabel = "N", defaultValue = "" + VerifySettings.DEFAULT_MESSAGES,
            description = "Distinct messages to publish. Default: ${DEFAULT-VALUE}.")
    private int messages;

    @Option(names = "--keys", paramLabel = "K", defaultValue = "" + VerifySettings.DEFAULT_KEYS,
            description = "Ordering keys the messages are spread over. Default: ${DEFAULT-VALUE}.")
    private int keys;

    @Option(names = "--lanes", paramLabel = "L", defaultValue = "" + VerifySettings.DEFAULT_LANES,
            description = "Handler lanes (parallelism across keys). Default: ${DEFAULT-VALUE}.")
    private int lanes;

    @Option(names = "--crash-rate", paramLabel = "p", defaultValue = "" + VerifySettings.DEFAULT_CRASH_RATE,
            description = "Probability that a delivery crashes the consumer before it acks. Default: ${DEFAULT-VALUE}.")
    private double crashRate;

    @Option(names = "--max-crashes", paramLabel = "C", defaultValue = "" + VerifySettings.DEFAULT_MAX_CRASHES,
            description = "The most consumer crashes in one run. Default: ${DEFAULT-VALUE}.")
    private int maxCrashes;

    @Option(names = "--duplicate-rate", paramLabel = "p", defaultValue = "" + VerifySettings.DEFAULT_DUPLICATE_RATE,
            description = "Probability that a message is published again with the same id. Default: ${DEFAULT-VALUE}.")
    private double duplicateRate;

    @Option(names = "--poison-rate", paramLabel = "p", defaultValue = "" + VerifySettings.DEFAULT_POISON_RATE,
            description = "Probability that a message is poison (its handler always fails). Default: ${DEFAULT-VALUE}.")
    private double poisonRate;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of every random choice; the report prints it. Default: random.")
    private Long seed;

    @Option(names = "--lease", paramLabel = "DURATION", defaultValue = "2s",
            converter = DurationConverter.class,
            description = "Idempotency lease; a crashed consumer's claims expire after it. Default: ${DEFAULT-VALUE}.")
    private Duration lease;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s", converter = DurationConverter.class,
            description = "How long to wait for every message to be accounted for. Default: ${DEFAULT-VALUE}.")
    private Duration timeout;

    @Option(names = "--unsafe-no-dedup",
            description = "Deliberately broken mode: AT_LEAST_ONCE without idempotency, to see verify catch the "
                    + "duplicates crashes and duplicate publishes cause. Exits 1.")
    private boolean unsafeNoDedup;

    @Option(names = "--progress", negatable = true,
            description = "Progress bar on stderr. Default: on when stderr is a terminal.")
    private Boolean progress;

    @Override
    public Integer call() {
        VerifySettings settings;
        try {
            settings = new VerifySettings(messages, keys, lanes, crashRate, maxCrashes, duplicateRate, poisonRate,
                    seed != null ? seed : ThreadLocalRandom.current().nextLong(1, 1_000_000_000L), !unsafeNoDedup,
                    lease, timeout);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        BrokerMode mode = BrokerModes.lookup(broker.broker());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean showProgress = progress != null ? progress : System.console() != null;
        VerifyReport report = new VerifyRun(mode, broker, settings, Progress.to(err, showProgress)).run();
        report.print(out);
        return report.passed() ? ExitCodes.OK : ExitCodes.VIOLATIONS;
    }
}
