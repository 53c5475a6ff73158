package dev.keel.cli.verify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The faults {@code keel verify --faults} injects, by their flag name. See docs/cli.md. */
public enum FaultKind {
    CRASH("crash", "a consumer crashes before it acks, at messages drawn with --crash-rate, before or after the "
            + "message's effect; a new consumer starts in the group"),
    LOST_CLAIM_REPLY("lost-claim-reply", "the store runs a claim and its reply is lost"),
    FAILING_DONE("failing-done", "marking ids done fails for a while, then works again"),
    SLOW_STORE("slow-store", "every store call takes longer for a while"),
    NETWORK_CUT("network-cut", "connections are cut for a while: the embedded broker's, the store's with --redis"),
    CHANNEL_CLOSE("channel-close", "the consumer's broker session is dropped while its process lives on (on "
            + "RabbitMQ, ActiveMQ Artemis and ActiveMQ Classic its connection is reset through a proxy; on Kafka the "
            + "coordinator removes the group's members, which lose their partitions and join again); a new member "
            + "takes over"),
    GRACEFUL_STOP("graceful-stop", "handlers turn slow for a while, so a backlog builds, then the live consumer is "
            + "closed gracefully (as a SIGTERM's shutdown hook closes it) and a new consumer starts in the group"),
    FAILING_DEAD_LETTER("failing-dead-letter", "publishes to the dead-letter topic fail for a while"),
    OVERSIZED("oversized", "messages with an oversized id, header or payload: each must fail with a typed error");

    /** The {@code --faults} value selecting every kind the chosen broker and store support. */
    public static final String ALL = "all";
    /** The {@code --faults} value selecting no fault (duplicates and poison messages only). */
    public static final String NONE = "none";

    private final String label;
    private final String description;

    FaultKind(String label, String description) {
        this.label = label;
        this.description = description;
    }

    /** The name on the command line. */
    public String label() {
        return label;
    }

    /** One line saying what the fault does. */
    public String description() {
        return description;
    }

    /**
     * Why this kind cannot run against {@code env}, or {@code null} when it can.
     */
    public String unsupportedReason(FaultEnvironment env) {
        return switch (this) {
            case NETWORK_CUT -> env.embeddedBroker() || env.proxyableRedis() ? null
                    : env.redis() ? "it cuts the store's connection through a proxy on this machine, which needs a "
                    + "plain redis:// Redis on 127.0.0.1 (or localhost)"
                    : "on --broker " + env.broker() + " it cuts the idempotency store's connection: give --redis "
                    + "with a Redis on this machine";
            case CHANNEL_CLOSE -> env.embeddedBroker() || env.proxyableBroker() || env.groupSessionsDroppable() ? null
                    : FaultEnvironment.RABBIT.equals(env.broker()) ? "on --broker rabbit it resets the consumer's "
                    + "connection through a proxy on this machine, which needs a RabbitMQ on 127.0.0.1 (or "
                    + "localhost), a plain amqp:// URI and no --rabbit-addresses"
                    : FaultEnvironment.ARTEMIS.equals(env.broker()) ? "on --broker artemis it resets the consumer's "
                    + "connection through a proxy on this machine, which needs an Artemis on 127.0.0.1 (or localhost) "
                    + "and an --artemis-url of one tcp:// address, without ha=true or sslEnabled=true"
                    : FaultEnvironment.ACTIVEMQ.equals(env.broker()) ? "on --broker activemq it resets the consumer's "
                    + "connection through a proxy on this machine, which needs an ActiveMQ Classic on 127.0.0.1 (or "
                    + "localhost) and an --activemq-url of one tcp:// address (not failover: or ssl://)"
                    : "RocketMQ offers no way to drop a consumer's session from outside its process, and its "
                    + "clients connect to the broker addresses the name server gives, so no proxy can stand between: "
                    + "use --broker memory, kafka, rabbit, artemis or activemq";
            case FAILING_DEAD_LETTER -> env.embeddedBroker() ? null
                    : "it uses the embedded broker's fault switches: use --broker memory";
            default -> null;
        };
    }

    /**
     * Parses {@code --faults}: comma-separated kinds, {@link #ALL} or {@link #NONE}. With {@code all},
     * the kinds {@code env} does not support are left out; a kind named explicitly that {@code env}
     * does not support is refused.
     *
     * @throws IllegalArgumentException naming the unknown or unsupported kind and what to do
     */
    public static Set<FaultKind> parse(String spec, FaultEnvironment env) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--faults must name at least one kind (" + choices() + "), "
                    + ALL + " or " + NONE);
        }
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (String part : spec.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (name.equals(ALL)) {
                Arrays.stream(values()).filter(k -> k.unsupportedReason(env) == null).forEach(kinds::add);
            } else if (!name.equals(NONE)) {
                FaultKind kind = byLabel(name);
                String reason = kind.unsupportedReason(env);
                if (reason != null) {
                    throw new IllegalArgumentException("--faults " + kind.label + " is not supported on --broker "
                            + env.broker() + (env.redis() ? " with --redis" : "") + ": " + reason
                            + " (--faults all picks every kind this broker supports)");
                }
                kinds.add(kind);
            }
        }
        return Collections.unmodifiableSet(kinds);
    }

    /** The kinds {@code env} does not support, each with its reason, for the report. */
    public static List<String> leftOut(FaultEnvironment env) {
        List<String> out = new ArrayList<>();
        for (FaultKind kind : values()) {
            String reason = kind.unsupportedReason(env);
            if (reason != null) {
                out.add(kind.label + " (" + reason + ")");
            }
        }
        return out;
    }

    private static FaultKind byLabel(String name) {
        for (FaultKind kind : values()) {
            if (kind.label.equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("--faults: unknown kind '" + name + "': choose from " + choices() + ", "
                + ALL + " or " + NONE);
    }

    private static String choices() {
        return Arrays.stream(values()).map(FaultKind::label).collect(Collectors.joining(", "));
    }
}
