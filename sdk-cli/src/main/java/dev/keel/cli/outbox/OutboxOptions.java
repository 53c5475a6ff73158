package dev.keel.cli.outbox;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The flags of {@code keel verify --outbox}. */
public final class OutboxOptions {

    public static final int DEFAULT_RELAYS = 2;
    public static final double DEFAULT_ROLLBACK_RATE = 0.2;
    public static final int DEFAULT_RELAY_CRASHES = 3;
    public static final int DEFAULT_CONSUMER_CRASHES = 4;
    public static final int DEFAULT_REFUSED_ROWS = 4;

    @Mixin
    private DatabaseOptions database = new DatabaseOptions();

    @Option(names = "--relays", paramLabel = "R", defaultValue = "" + DEFAULT_RELAYS,
            description = "Relays publishing the outbox at once (--outbox). Default: ${DEFAULT-VALUE}.")
    private int relays = DEFAULT_RELAYS;

    @Option(names = "--rollback-rate", paramLabel = "p", defaultValue = "" + DEFAULT_ROLLBACK_RATE,
            description = "Probability that a transaction rolls back after its outbox insert (--outbox). "
                    + "Default: ${DEFAULT-VALUE}.")
    private double rollbackRate = DEFAULT_ROLLBACK_RATE;

    @Option(names = "--relay-crashes", paramLabel = "C", defaultValue = "" + DEFAULT_RELAY_CRASHES,
            description = "Relays crashed between the broker's confirmation and the row's delete, then replaced "
                    + "(--outbox). Default: ${DEFAULT-VALUE}.")
    private int relayCrashes = DEFAULT_RELAY_CRASHES;

    @Option(names = "--consumer-crashes", paramLabel = "C", defaultValue = "" + DEFAULT_CONSUMER_CRASHES,
            description = "Consumers crashed inside the inbox transaction or right after its commit, before the "
                    + "ack (--outbox). Default: ${DEFAULT-VALUE}.")
    private int consumerCrashes = DEFAULT_CONSUMER_CRASHES;

    @Option(names = "--refused-rows", paramLabel = "N", defaultValue = "" + DEFAULT_REFUSED_ROWS,
            description = "Committed outbox rows the relay cannot publish for good (an invalid topic name, or a topic "
                    + "the broker does not have where it reports that): each must be parked with its cause while the "
                    + "rest flow (--outbox, not with --kill-9). Default: ${DEFAULT-VALUE}.")
    private int refusedRows = DEFAULT_REFUSED_ROWS;

    @Option(names = "--unsafe-effect-outside-transaction",
            description = "Deliberately broken mode (--outbox): the consumer commits its effect on a connection of "
                    + "its own, before and apart from the inbox's done mark, as with the Redis store: crashes after "
                    + "the effect then repeat it, and verify reports the duplicate effects. Exits 1.")
    private boolean unsafeOutsideTransaction;

    @Option(names = "--kill-9",
            description = "Run the producer and the inbox consumer as separate JVMs and kill each with SIGKILL "
                    + "(kill -9) at random times drawn from the seed, --consumer-crashes times, starting a new one "
                    + "after each kill (--outbox). Needs a real broker (--broker kafka, rabbit, rocket, artemis or activemq): a child "
                    + "process cannot "
                    + "reach the embedded one.")
    private boolean kill9;

    /** The database flags. */
    public DatabaseOptions database() {
        return database;
    }

    public boolean unsafeOutsideTransaction() {
        return unsafeOutsideTransaction;
    }

    /** Whether the producer and the consumer run as child processes killed with SIGKILL ({@code --kill-9}). */
    public boolean kill9() {
        return kill9;
    }

    public int refusedRows() {
        return refusedRows;
    }

    public int relays() {
        return relays;
    }

    public double rollbackRate() {
        return rollbackRate;
    }

    public int relayCrashes() {
        return relayCrashes;
    }

    public int consumerCrashes() {
        return consumerCrashes;
    }

    /** For programmatic use. */
    public OutboxOptions unsafeOutsideTransaction(boolean unsafe) {
        this.unsafeOutsideTransaction = unsafe;
        return this;
    }
}
