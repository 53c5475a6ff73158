package dev.keel;

import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.ordering.Ordering;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable subscription: what to consume, how to decode it, and the guarantees to keep, with
 * the {@link RetryPolicy}, {@link DeadLetterPolicy} and {@link IdempotencyPolicy} it follows.
 * Values are validated as they are set, with an {@link IllegalArgumentException} that says what is
 * allowed. Build with {@link #builder(String, String, Codec)} or {@link #from(SubscriptionConfig)}.
 */
public final class SubscriptionConfig<T> {

    public static final DeliveryGuarantee DEFAULT_GUARANTEE = DeliveryGuarantee.EFFECTIVELY_ONCE;
    public static final Ordering DEFAULT_ORDERING = Ordering.PER_KEY;
    public static final int DEFAULT_LANES = 8;
    public static final int DEFAULT_MAX_IN_FLIGHT = 2048;
    /** 64 MiB: with the default window, messages of up to 32 KiB meet the window first, larger ones this bound. */
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES = 64L << 20;
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_REVOKE_TIMEOUT = Duration.ofSeconds(10);
    public static final RetryMode DEFAULT_RETRY_MODE = RetryMode.IN_PLACE;

    private final String topic;
    private final String group;
    private final Codec<T> codec;
    private final DeliveryGuarantee guarantee;
    private final Ordering ordering;
    private final int lanes;
    private final int maxInFlight;
    private final long maxInFlightBytes;
    private final RetryPolicy retryPolicy;
    private final DeadLetterPolicy deadLetterPolicy;
    private final IdempotencyPolicy idempotencyPolicy;
    private final Duration closeTimeout;
    private final Duration revokeTimeout;
    private final RetryMode retryMode;
    private final HeaderFilter filter;
    private final boolean broadcast;
    private final boolean shareGroup;

    private SubscriptionConfig(Builder<T> b) {
        this.topic = b.topic;
        this.group = b.group;
        this.codec = b.codec;
        this.guarantee = b.guarantee;
        this.ordering = b.ordering;
        this.lanes = b.lanes;
        this.maxInFlight = b.maxInFlight;
        this.maxInFlightBytes = b.maxInFlightBytes;
        this.retryPolicy = b.retryPolicy;
        this.deadLetterPolicy = b.deadLetterPolicy;
        this.idempotencyPolicy = b.idempotencyPolicy;
        this.closeTimeout = b.closeTimeout;
        this.revokeTimeout = b.revokeTimeout;
        this.retryMode = b.retryMode;
        this.filter = b.filter;
        this.broadcast = b.broadcast;
        this.shareGroup = b.shareGroup;
    }

    /** A builder for consuming {@code topic} in {@code group}, decoding payloads with {@code codec}; the rest defaults. */
    public static <T> Builder<T> builder(String topic, String group, Codec<T> codec) {
        return new Builder<>(topic, group, codec);
    }

    /** A builder preset with every value of {@code base}. */
    public static <T> Builder<T> from(SubscriptionConfig<T> base) {
        return from(base, base.topic);
    }

    /** A builder preset with every value of {@code base} but its topic, which is {@code topic}. */
    public static <T> Builder<T> from(SubscriptionConfig<T> base, String topic) {
        return from(base, topic, base.group);
    }

    /** A builder preset with every value of {@code base} but its topic and group, {@code topic} and {@code group}. */
    public static <T> Builder<T> from(SubscriptionConfig<T> base, String topic, String group) {
        Builder<T> b = new Builder<>(topic, group, base.codec).guarantee(base.guarantee)
                .ordering(base.ordering)
                .lanes(base.lanes).maxInFlight(base.maxInFlight).maxInFlightBytes(base.maxInFlightBytes)
                .retryPolicy(base.retryPolicy)
                .deadLetterPolicy(base.deadLetterPolicy).idempotencyPolicy(base.idempotencyPolicy)
                .closeTimeout(base.closeTimeout).revokeTimeout(base.revokeTimeout).broadcast(base.broadcast)
                .retryMode(base.retryMode).shareGroup(base.shareGroup);
        b.filter = base.filter;
        return b;
    }

    public String topic() { return topic; }

    public String group() { return group; }

    public Codec<T> codec() { return codec; }

    public DeliveryGuarantee guarantee() { return guarantee; }

    public Ordering ordering() { return ordering; }

    /**
     * Handler parallelism: at most this many messages are handled at once. Under PER_KEY any key with
     * a message ready takes any free lane (one message per key at a time, in order); unordered, the
     * worker count.
     */
    public int lanes() { return lanes; }

    /**
     * The most messages held unacknowledged: the broker consumer is paused when reached, and resumed once half
     * are done (and {@link #maxInFlightBytes()} allows).
     */
    public int maxInFlight() { return maxInFlight; }

    /**
     * The payload bytes (headers not counted) of unfinished messages at which the broker consumer is paused; it is
     * resumed once half are done (and {@link #maxInFlight()} allows). It bounds the heap that large messages take in
     * the subscription where the window in messages would not; the batch that reaches it may pass it, and a message
     * larger than it still comes, with its batch. What the broker client buffers ahead is bounded by the client.
     */
    public long maxInFlightBytes() { return maxInFlightBytes; }

    public RetryPolicy retryPolicy() { return retryPolicy; }

    public DeadLetterPolicy deadLetterPolicy() { return deadLetterPolicy; }

    /** Lease, retention and store retry interval of the idempotency claims (used under EFFECTIVELY_ONCE only). */
    public IdempotencyPolicy idempotencyPolicy() { return idempotencyPolicy; }

    public Duration closeTimeout() { return closeTimeout; }

    public Duration revokeTimeout() { return revokeTimeout; }

    /** Where a failed message waits between attempts: in place (the default) or on the retry topic. */
    public RetryMode retryMode() { return retryMode; }
    /**
     * Which messages reach the handler, by their headers; empty (the default) for every message. See
     * {@link HeaderFilter} for where it runs (broker or client) and what happens to the others.
     */
    public Optional<HeaderFilter> filter() { return Optional.ofNullable(filter); }

    /**
     * Whether every instance of the service receives every message (see
     * {@link Builder#broadcast(boolean)}); false by default: the group's instances share them.
     */
    public boolean broadcast() { return broadcast; }

    /**
     * The namespace of this subscription's message ids in the idempotency store, on the instance {@code instanceId}
     * ({@code Keel.instanceId()}): {@code <group>:<topic>}, or {@code <group>+<instanceId>:<topic>} for a
     * {@link #broadcast()} subscription, whose instances each keep marks of their own. The {@code +} is in neither a
     * group name nor an instance id, so no other group's or instance's namespace is ever the same.
     *
     * @throws IllegalArgumentException for a broadcast subscription, when {@code instanceId} is not an instance id
     *         (1-64 characters of [A-Za-z0-9._-], as {@code Keel.instanceId()} is): an empty or shared one would give
     *         instances one namespace, each applying some of the messages and skipping the others' as done
     */
    public String idempotencyNamespace(String instanceId) {
        Objects.requireNonNull(instanceId, "instanceId");
        if (broadcast && !isValidInstanceId(instanceId)) {
            throw new IllegalArgumentException("broadcast subscription to " + topic + " for group " + group
                    + ": the instance id must be Keel.instanceId() of the instance that runs it (1-64 characters of "
                    + "[A-Za-z0-9._-]), was '" + instanceId + "'");
        }
        return (broadcast ? group + "+" + instanceId : group) + ":" + topic;
    }

    /**
     * Whether {@code instanceId} is an instance id ({@code Keel.Builder.instanceId}): like a group name, and short
     * enough to be added to one, 1-64 characters of [A-Za-z0-9._-].
     */
    public static boolean isValidInstanceId(String instanceId) {
        return instanceId != null && instanceId.length() <= 64 && TopicSpec.isValidName(instanceId);
    }

    /**
     * Whether the group's members share the messages one by one instead of owning partitions (see
     * {@link Builder#shareGroup(boolean)}); false by default.
     */
    public boolean shareGroup() { return shareGroup; }

    /** Equal when every value is equal; codecs are compared with their own {@code equals} (by default, identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof SubscriptionConfig<?> c && c.topic.equals(topic) && c.group.equals(group)
                && c.codec.equals(codec) && c.guarantee == guarantee && c.ordering == ordering && c.lanes == lanes
                && c.maxInFlight == maxInFlight && c.maxInFlightBytes == maxInFlightBytes
                && c.retryPolicy.equals(retryPolicy)
                && c.deadLetterPolicy.equals(deadLetterPolicy) && c.idempotencyPolicy.equals(idempotencyPolicy)
                && c.closeTimeout.equals(closeTimeout) && c.revokeTimeout.equals(revokeTimeout)
                && c.retryMode == retryMode && Objects.equals(c.filter, filter) && c.broadcast == broadcast
                && c.shareGroup == shareGroup;
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, group, codec, guarantee, ordering, lanes, maxInFlight, maxInFlightBytes, retryPolicy,
                deadLetterPolicy, idempotencyPolicy, closeTimeout, revokeTimeout, retryMode, filter, broadcast, shareGroup);
    }

    @Override
    public String toString() {
        return "SubscriptionConfig{topic=" + topic + ", group=" + group + ", codec=" + codec + ", guarantee="
                + guarantee + ", ordering=" + ordering + ", lanes=" + lanes + ", maxInFlight=" + maxInFlight
                + ", maxInFlightBytes=" + maxInFlightBytes + ", retryPolicy=" + retryPolicy + ", deadLetterPolicy="
                + deadLetterPolicy + ", idempotencyPolicy=" + idempotencyPolicy + ", closeTimeout=" + closeTimeout
                + ", revokeTimeout=" + revokeTimeout
                + ", retryMode=" + retryMode + ", filter=" + filter + ", broadcast=" + broadcast + ", shareGroup="
                + shareGroup + "}";
    }

    /** Validates each value as it is set, and lanes against maxInFlight on {@link #build()}. */
    public static final class Builder<T> {
        private final String topic;
        private final String group;
        private final Codec<T> codec;
        private DeliveryGuarantee guarantee = DEFAULT_GUARANTEE;
        private Ordering ordering = DEFAULT_ORDERING;
        private int lanes = DEFAULT_LANES;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private long maxInFlightBytes = DEFAULT_MAX_IN_FLIGHT_BYTES;
        private RetryPolicy retryPolicy = RetryPolicy.ofDefaults();
        private DeadLetterPolicy deadLetterPolicy = DeadLetterPolicy.ofDefaults();
        private IdempotencyPolicy idempotencyPolicy = IdempotencyPolicy.ofDefaults();
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private Duration revokeTimeout = DEFAULT_REVOKE_TIMEOUT;
        private RetryMode retryMode = DEFAULT_RETRY_MODE;
        private HeaderFilter filter;
        private boolean broadcast;
        private boolean shareGroup;

        private Builder(String topic, String group, Codec<T> codec) {
            if (!TopicSpec.isValidName(topic)) {
                throw new IllegalArgumentException("topic must be 1-200 characters of [A-Za-z0-9._-], was '" + topic + "'");
            }
            if (!TopicSpec.isValidName(group)) {
                throw new IllegalArgumentException("group must be 1-200 characters of [A-Za-z0-9._-], was '" + group + "'");
            }
            this.topic = topic;
            this.group = group;
            this.codec = Objects.requireNonNull(codec, "codec: use Codec.bytes(), Codec.utf8() or JsonCodec.of(type) from sdk-jackson");
        }

        public Builder<T> guarantee(DeliveryGuarantee guarantee) {
            this.guarantee = Objects.requireNonNull(guarantee, "guarantee");
            return this;
        }

        public Builder<T> ordering(Ordering ordering) {
            this.ordering = Objects.requireNonNull(ordering, "ordering");
            return this;
        }

        public Builder<T> lanes(int lanes) {
            if (lanes < 1 || lanes > 1024) {
                throw new IllegalArgumentException("lanes must be in [1, 1024], was " + lanes);
            }
            this.lanes = lanes;
            return this;
        }

        public Builder<T> maxInFlight(int maxInFlight) {
            if (maxInFlight < 1 || maxInFlight > 100_000) {
                throw new IllegalArgumentException("maxInFlight must be in [1, 100000], was " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * The most payload bytes held unacknowledged ({@link SubscriptionConfig#maxInFlightBytes()}), at least 1;
         * {@value SubscriptionConfig#DEFAULT_MAX_IN_FLIGHT_BYTES} by default.
         */
        public Builder<T> maxInFlightBytes(long maxInFlightBytes) {
            if (maxInFlightBytes < 1) {
                throw new IllegalArgumentException("maxInFlightBytes must be >= 1, was " + maxInFlightBytes);
            }
            this.maxInFlightBytes = maxInFlightBytes;
            return this;
        }

        public Builder<T> retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        public Builder<T> deadLetterPolicy(DeadLetterPolicy deadLetterPolicy) {
            this.deadLetterPolicy = Objects.requireNonNull(deadLetterPolicy, "deadLetterPolicy");
            return this;
        }

        /** Lease, retention and store retry interval of the idempotency claims (EFFECTIVELY_ONCE). */
        public Builder<T> idempotencyPolicy(IdempotencyPolicy idempotencyPolicy) {
            this.idempotencyPolicy = Objects.requireNonNull(idempotencyPolicy, "idempotencyPolicy");
            return this;
        }

        public Builder<T> closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Checks.positive(closeTimeout, "closeTimeout");
            return this;
        }

        public Builder<T> revokeTimeout(Duration revokeTimeout) {
            this.revokeTimeout = Checks.positive(revokeTimeout, "revokeTimeout");
            return this;
        }

        /**
         * Where a failed message waits between attempts ({@link RetryMode}). {@link RetryMode#NON_BLOCKING}
         * needs {@link dev.keel.ordering.Ordering#UNORDERED}: {@link #build()} rejects it with PER_KEY.
         */
        public Builder<T> retryMode(RetryMode retryMode) {
            this.retryMode = Objects.requireNonNull(retryMode, "retryMode");
            return this;
        }

        /**
         * Only messages matching {@code filter} reach the handler; the others are acknowledged
         * unhandled (or, where the broker filters, never delivered). See {@link HeaderFilter}.
         */
        public Builder<T> filter(HeaderFilter filter) {
            this.filter = Objects.requireNonNull(filter, "filter: leave it unset for every message");
            return this;
        }

        /**
         * Broadcast: every instance of the service receives every message of the topic, instead of
         * sharing them with the group's other instances. Each instance is known by its Keel's
         * {@code instanceId}, and its idempotency marks are its own (one instance having run a message
         * does not make it a duplicate for another). An instance receives what is published after it
         * subscribed (RabbitMQ, RocketMQ, Kafka alike); see the adapters' docs for restarts. Needs an
         * adapter with {@code Capability.BROADCAST}.
         */
        public Builder<T> broadcast(boolean broadcast) {
            this.broadcast = broadcast;
            return this;
        }

        /**
         * Share-group consumption: the group's members take the topic's messages one by one, any member any
         * message, with no partition owned by a member, so a group can have more members than the topic has
         * partitions, a slow message holds up no other, and a member joining or leaving moves no partition.
         * Each message is acknowledged on its own: accepted once handled (under EFFECTIVELY_ONCE once marked
         * done), handed back to the broker after a retriable failure's backoff (the broker counts the
         * deliveries, which are the attempts), dead-lettered after the last attempt or a failure the retry
         * policy does not retry. There is no order: {@link #build()} refuses it with
         * {@link dev.keel.ordering.Ordering#PER_KEY} (the default), with {@link RetryMode#NON_BLOCKING} and with
         * {@link #broadcast(boolean)}. Needs an adapter with {@code Capability.SHARED_CONSUMPTION} (Kafka share
         * groups, docs/kafka.md "Share groups").
         */
        public Builder<T> shareGroup(boolean shareGroup) {
            this.shareGroup = shareGroup;
            return this;
        }

        public SubscriptionConfig<T> build() {
            if (shareGroup && ordering == Ordering.PER_KEY) {
                throw new IllegalArgumentException("a share group gives no order: its members take any message of "
                        + "any partition, so ordering PER_KEY cannot hold; set ordering(Ordering.UNORDERED) with "
                        + "shareGroup(true), or use a classic group (shareGroup(false)) for per-key order");
            }
            if (shareGroup && retryMode == RetryMode.NON_BLOCKING) {
                throw new IllegalArgumentException("a share group retries through the broker (a failed message is "
                        + "handed back after its backoff and redelivered to any member), so it has no retry topic: "
                        + "keep RetryMode.IN_PLACE with shareGroup(true)");
            }
            if (shareGroup && broadcast) {
                throw new IllegalArgumentException("a share group shares each message among its members, a broadcast "
                        + "subscription gives every instance every message: choose one of shareGroup(true) and "
                        + "broadcast(true)");
            }
            if (retryMode == RetryMode.NON_BLOCKING && ordering == Ordering.PER_KEY) {
                throw new IllegalArgumentException("retryMode NON_BLOCKING moves a failed message behind later "
                        + "messages of its key, but ordering PER_KEY needs in-place retries (the key waits for its "
                        + "failed message): use ordering(Ordering.UNORDERED) with NON_BLOCKING, or keep "
                        + "RetryMode.IN_PLACE for per-key order");
            }
            if (retryMode == RetryMode.NON_BLOCKING && broadcast) {
                throw new IllegalArgumentException("retryMode NON_BLOCKING declares one retry topic per group, but a "
                        + "broadcast subscription's instances each get every message: keep RetryMode.IN_PLACE with "
                        + "broadcast(true)");
            }
            if (retryMode == RetryMode.NON_BLOCKING && guarantee == DeliveryGuarantee.AT_MOST_ONCE) {
                throw new IllegalArgumentException("retryMode NON_BLOCKING retries failed messages, but AT_MOST_ONCE "
                        + "acknowledges before the handler runs and never retries: use AT_LEAST_ONCE or "
                        + "EFFECTIVELY_ONCE with NON_BLOCKING, or keep RetryMode.IN_PLACE");
            }
            if (maxInFlight < lanes) {
                throw new IllegalArgumentException("maxInFlight (" + maxInFlight + ") must be >= lanes (" + lanes
                        + "), or lanes would sit idle");
            }
            return new SubscriptionConfig<>(this);
        }
    }
}
