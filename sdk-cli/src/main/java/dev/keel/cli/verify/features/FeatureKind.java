package dev.keel.cli.verify.features;

import dev.keel.spi.Capability;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The feature workloads {@code keel verify --features} runs, by their flag name. See docs/cli.md. */
public enum FeatureKind {
    DELAY("delay", Capability.DELAYED_DELIVERY,
            "messages published with a delay or a delivery time (0-3 s): never applied early, none lost, none twice"),
    NONBLOCKING_RETRY("nonblocking-retry", Capability.NON_BLOCKING_RETRY,
            "messages that fail their first one or two attempts, retried through the retry topic: each applied "
                    + "once, none dead-lettered"),
    REDRIVE("redrive", null,
            "messages one group dead-letters until they are fixed, then re-drives mid-run while a second group "
                    + "consumes the same topic: each re-driven message applied once, by its group only, nothing "
                    + "left in the dead letters"),
    OUTBOX("outbox", null,
            "the transactional outbox and the JDBC inbox, as --outbox checks them (committed and rolled-back "
                    + "transactions, rows refused for good, relay and consumer crashes); needs --outbox JDBC_URL");

    /** The {@code --features} value selecting every workload the broker supports. */
    public static final String ALL = "all";

    private final String label;
    private final Capability needs;
    private final String description;

    FeatureKind(String label, Capability needs, String description) {
        this.label = label;
        this.needs = needs;
        this.description = description;
    }

    public String label() {
        return label;
    }

    public String description() {
        return description;
    }

    /**
     * Why this workload cannot run on an adapter with {@code capabilities}, with or without a database
     * ({@code --outbox}), or {@code null} when it can.
     */
    public String unsupportedReason(Set<Capability> capabilities, boolean database) {
        if (this == OUTBOX) {
            return database ? null : "it needs a database: give --outbox JDBC_URL";
        }
        return needs == null || capabilities.contains(needs) ? null
                : "the broker's adapter does not declare " + needs;
    }

    /**
     * Parses {@code --features}: comma-separated kinds or {@link #ALL}. {@code all} leaves out what
     * the adapter cannot do (and the outbox without a database); a kind named explicitly that cannot run
     * is refused.
     *
     * @throws IllegalArgumentException naming the unknown or unsupported kind and what to do
     */
    public static Set<FeatureKind> parse(String spec, Set<Capability> capabilities, boolean database) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--features must name at least one workload (" + choices() + ") or "
                    + ALL);
        }
        Set<FeatureKind> kinds = EnumSet.noneOf(FeatureKind.class);
        for (String part : spec.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (name.equals(ALL)) {
                Arrays.stream(values()).filter(k -> k.unsupportedReason(capabilities, database) == null).forEach(kinds::add);
                continue;
            }
            FeatureKind kind = Arrays.stream(values()).filter(k -> k.label.equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--features: unknown workload '" + name
                            + "': choose from " + choices() + " or " + ALL));
            String reason = kind.unsupportedReason(capabilities, database);
            if (reason != null) {
                throw new IllegalArgumentException("--features " + kind.label + " cannot run on this broker: " + reason
                        + " (--features all picks every workload it supports)");
            }
            kinds.add(kind);
        }
        return Collections.unmodifiableSet(kinds);
    }

    private static String choices() {
        return Arrays.stream(values()).map(FeatureKind::label).collect(Collectors.joining(", "));
    }
}
