package dev.keel;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A topic to declare with {@code ensureTopology}: its partition count (Kafka partitions, RocketMQ
 * queues, RabbitMQ partition queues per group), replication, and the consumer groups that read it
 * (RabbitMQ binds one set of partition queues per group; a publish to a topic with no group bound
 * fails as unroutable). Declaring again with the same settings does nothing; with other settings it
 * fails with a {@link TopologyException}. Dead-letter topics need no declaring: each subscription
 * ensures its own. Immutable; build with {@link #builder(String)} or
 * {@link #from(TopicSpec)}.
 */
public final class TopicSpec {

    public static final int DEFAULT_PARTITIONS = 8;
    public static final int DEFAULT_REPLICATION_FACTOR = 1;
    public static final int DEFAULT_MIN_IN_SYNC_REPLICAS = 1;
    /** No message priorities: messages are delivered in publish order whatever their priority. */
    public static final int DEFAULT_MAX_PRIORITY = 0;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private final String name;
    private final int partitions;
    private final int replicationFactor;
    private final int minInSyncReplicas;
    private final Set<String> groups;
    private final int maxPriority;

    private TopicSpec(Builder b) {
        this.name = b.name;
        this.partitions = b.partitions;
        this.replicationFactor = b.replicationFactor;
        this.minInSyncReplicas = b.minInSyncReplicas;
        this.groups = Set.copyOf(b.groups);
        this.maxPriority = b.maxPriority;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder preset with every value of {@code base}, its groups included. */
    public static Builder from(TopicSpec base) {
        Builder b = new Builder(base.name).partitions(base.partitions).replicationFactor(base.replicationFactor)
                .minInSyncReplicas(base.minInSyncReplicas).maxPriority(base.maxPriority);
        b.groups.addAll(base.groups);
        return b;
    }

    public String name() {
        return name;
    }

    public int partitions() {
        return partitions;
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    public int minInSyncReplicas() {
        return minInSyncReplicas;
    }

    public Set<String> groups() {
        return groups;
    }

    /**
     * The highest message priority the topic's queues honour, 0 (the default: none) to
     * {@link Message#MAX_PRIORITY}; a message's priority above it counts as this. Only adapters that
     * declare {@code Capability.PRIORITY} accept a topic with priorities (RabbitMQ: {@code x-max-priority}
     * on classic queues); others refuse to declare it.
     */
    public int maxPriority() {
        return maxPriority;
    }

    /** Whether {@code name} is a valid topic or group name on every supported broker. */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicSpec t && t.name.equals(name) && t.partitions == partitions
                && t.replicationFactor == replicationFactor && t.minInSyncReplicas == minInSyncReplicas
                && t.groups.equals(groups) && t.maxPriority == maxPriority;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, partitions, replicationFactor, minInSyncReplicas, groups, maxPriority);
    }

    @Override
    public String toString() {
        return "TopicSpec{name=" + name + ", partitions=" + partitions + ", replicationFactor=" + replicationFactor
                + ", minInSyncReplicas=" + minInSyncReplicas + ", groups=" + new TreeSet<>(groups) + ", maxPriority="
                + maxPriority + "}";
    }

    public static final class Builder {
        private final String name;
        private int partitions = DEFAULT_PARTITIONS;
        private int replicationFactor = DEFAULT_REPLICATION_FACTOR;
        private int minInSyncReplicas = DEFAULT_MIN_IN_SYNC_REPLICAS;
        private final Set<String> groups = new TreeSet<>();
        private int maxPriority = DEFAULT_MAX_PRIORITY;

        private Builder(String name) {
            if (!isValidName(name)) {
                throw new IllegalArgumentException("topic name must be 1-200 characters of [A-Za-z0-9._-], was '"
                        + name + "'");
            }
            this.name = name;
        }

        public Builder partitions(int partitions) {
            if (partitions < 1 || partitions > 1024) {
                throw new IllegalArgumentException("partitions must be in [1, 1024], was " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        public Builder replicationFactor(int replicationFactor) {
            if (replicationFactor < 1) {
                throw new IllegalArgumentException("replicationFactor must be >= 1, was " + replicationFactor);
            }
            this.replicationFactor = replicationFactor;
            return this;
        }

        public Builder minInSyncReplicas(int minInSyncReplicas) {
            if (minInSyncReplicas < 1) {
                throw new IllegalArgumentException("minInSyncReplicas must be >= 1, was " + minInSyncReplicas);
            }
            this.minInSyncReplicas = minInSyncReplicas;
            return this;
        }

        public Builder group(String group) {
            if (!isValidName(group)) {
                throw new IllegalArgumentException("group name must be 1-200 characters of [A-Za-z0-9._-], was '"
                        + group + "'");
            }
            groups.add(group);
            return this;
        }

        /** See {@link TopicSpec#maxPriority()}: 0 (none) to {@link Message#MAX_PRIORITY}. */
        public Builder maxPriority(int maxPriority) {
            if (maxPriority < 0 || maxPriority > Message.MAX_PRIORITY) {
                throw new IllegalArgumentException("maxPriority must be in [0, " + Message.MAX_PRIORITY + "], was "
                        + maxPriority);
            }
            this.maxPriority = maxPriority;
            return this;
        }

        public TopicSpec build() {
            if (minInSyncReplicas > replicationFactor) {
                throw new IllegalArgumentException("minInSyncReplicas (" + minInSyncReplicas
                        + ") must be <= replicationFactor (" + replicationFactor + ")");
            }
            return new TopicSpec(this);
        }
    }
}
