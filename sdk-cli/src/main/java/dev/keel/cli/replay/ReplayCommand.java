package dev.keel.cli.replay;

import dev.keel.PartitionRewind;
import dev.keel.ReplayResult;
import dev.keel.TopicSpec;
import dev.keel.cli.EnvironmentException;
import dev.keel.cli.ExitCodes;
import dev.keel.cli.TextTable;
import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerModes;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.broker.StoreChoice;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.spi.ReplayAdmin;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code keel replay}: rewinds a consumer group of a topic to a time, on a broker that keeps
 * consumed messages (Kafka, RocketMQ). Shows the plan per partition first; with {@code --reprocess}
 * asks before forgetting the group's done marks of the range, unless {@code --yes}.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Rewind a consumer group of a topic to a time: the group reads again what the broker keeps "
                + "from then on (Kafka, RocketMQ; RabbitMQ and ActiveMQ keep no consumed messages).",
            "Under EFFECTIVELY_ONCE the replayed messages the group already handled are skipped while their "
                + "done marks are retained; --reprocess forgets those marks first, so they run again.",
            "Stop the group's subscriptions (every instance) first: a group with active members is refused."})
public final class ReplayCommand implements Callable<Integer> {

    @Mixin
    private BrokerOptions broker = new BrokerOptions();

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic.")
    private String topic;

    @Option(names = "--group", required = true, paramLabel = "GROUP", description = "The consumer group to rewind.")
    private String group;

    @Option(names = "--from", required = true, paramLabel = "TIME", converter = FromTimeConverter.class,
            description = "Where to rewind to: an ISO-8601 time (2026-11-22T15:00:00Z) or a duration ago (90s, 15m, "
                    + "2h, 1d).")
    private Instant from;

    @Option(names = "--reprocess", description = "Forget the group's done marks of the replayed messages first "
            + "(in the --redis store, under --key-prefix), so that they run again. Asks to confirm unless --yes. "
            + "Only a Redis store: the CLI cannot reach a JDBC store's done marks.")
    private boolean reprocess;

    @Option(names = "--key-prefix", paramLabel = "PREFIX", defaultValue = RedisStoreConfig.DEFAULT_KEY_PREFIX,
            description = "With --reprocess: the key prefix of the application's Redis store "
                    + "(RedisStoreConfig.keyPrefix). Default: ${DEFAULT-VALUE}.")
    private String keyPrefix;

    @Option(names = "--yes", description = "Do not ask to confirm --reprocess.")
    private boolean yes;

    @Spec
    private CommandSpec spec;

    private final Supplier<BufferedReader> input;

    public ReplayCommand() {
        this(() -> new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
    }

    /** With the answers to the confirmation read from {@code input} (for tests). */
    public ReplayCommand(Supplier<BufferedReader> input) {
        this.input = input;
    }

    @Override
    public Integer call() {
        if (!TopicSpec.isValidName(topic) || !TopicSpec.isValidName(group)) {
            throw new EnvironmentException("--topic and --group must be 1-200 characters of [A-Za-z0-9._-]");
        }
        if (reprocess && !StoreChoice.from(broker).isRedis()) {
            throw new EnvironmentException("--reprocess forgets done marks in the application's idempotency store: "
                    + "give it with --redis redis://HOST:PORT (a JDBC store is not supported by the CLI: call "
                    + "keel.reprocess(topic, group, from) from the application)");
        }
        if (keyPrefix.isBlank()) {
            throw new EnvironmentException("--key-prefix must not be blank");
        }
        PrintWriter out = spec.commandLine().getOut();
        BrokerMode mode = BrokerModes.lookup(broker.broker());
        broker.tls(); // the TLS flags checked at once, before any connection
        mode.preflight(broker);
        try (BrokerAdapter adapter = mode.createAdapter(broker)) {
            if (!(adapter instanceof ReplayAdmin admin) || !adapter.capabilities().contains(Capability.REPLAY)) {
                throw new EnvironmentException("--broker " + mode.name() + " offers no replay: its broker does not keep "
                        + "consumed messages (see docs/capabilities.md)");
            }
            List<PartitionRewind> plan = admin.planRewind(topic, group, from);
            long messages = plan.stream().mapToLong(PartitionRewind::messages).sum();
            out.printf("Group '%s' of topic '%s' on %s, rewound to %s:%n", group, topic, mode.endpoint(broker), from);
            table(plan).print(out, "  ");
            if (reprocess && !yes && !confirmed(out, messages)) {
                out.println("Not confirmed: nothing changed.");
                return ExitCodes.USAGE_OR_ENVIRONMENT;
            }
            ReplayResult result = replay(adapter);
            out.printf("Rewound: %d messages to read again%s.%n", result.messages(), reprocess
                    ? ", " + result.forgotten() + " done marks forgotten (they run again)"
                    : " (under EFFECTIVELY_ONCE those already handled are skipped)");
            out.println("Start the group's subscriptions again to consume them.");
            return ExitCodes.OK;
        }
    }

    private ReplayResult replay(BrokerAdapter adapter) {
        if (!reprocess) {
            try (Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
                return keel.replay(topic, group, from);
            }
        }
        try (IdempotencyStore store = redisStoreUnderKeyPrefix();
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            return keel.reprocess(topic, group, from);
        }
    }

    /** The --redis store (as every command builds it) under --key-prefix instead of its default. */
    private IdempotencyStore redisStoreUnderKeyPrefix() {
        RedisStoreConfig config;
        try (IdempotencyStore store = StoreChoice.from(broker).create()) {
            config = ((RedisIdempotencyStore) store).config();
        }
        try {
            return RedisIdempotencyStore.create(RedisStoreConfig.from(config).keyPrefix(keyPrefix).build());
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--key-prefix: " + e.getMessage(), e);
        }
    }

    private boolean confirmed(PrintWriter out, long messages) {
        out.printf("Forget the done marks of these %d messages for group '%s', so that they run again? [y/N] ",
                messages, group);
        out.flush();
        try {
            String answer = input.get().readLine();
            return answer != null && List.of("y", "yes").contains(answer.trim().toLowerCase(Locale.ROOT));
        } catch (IOException e) {
            return false;
        }
    }

    private static TextTable table(List<PartitionRewind> plan) {
        TextTable table = new TextTable("partition", "position", "rewound to", "messages");
        for (PartitionRewind p : plan) {
            table.row(p.partition(), p.before(), p.after(), p.messages());
        }
        return table;
    }
}
