package dev.keel.kafka;

import dev.keel.kafka.internal.Redaction;
import dev.keel.kafka.internal.SaslSettings;
import dev.keel.spi.support.UrlPasswords;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable configuration of a {@link KafkaAdapter}: where the cluster is, the client
 * properties passed through to kafka-clients (TLS, SASL, tuning), and Keel's own timeouts. Build
 * with {@link #custom()} (or take {@link #ofDefaults()}) or {@link #from(KafkaConfig)}; every setter validates at once.
 *
 * <p>Keel fixes the properties its guarantees rest on and refuses them in {@link Builder#property}:
 * {@code acks=all}, {@code enable.idempotence=true}, {@code enable.auto.commit=false}, the byte
 * serializers and the group id (taken from the subscription). {@link #toString()} masks the value
 * of every property whose name mentions a password, passphrase, secret, credential, token, JAAS
 * config or user info ({@code basic.auth.user.info}), or ends in {@code .key} (key material).
 *
 * <p>{@link Builder#build()} refuses SASL settings that cannot work, which kafka-clients would accept and then fail
 * every connection with (the broker looking unreachable): under {@code security.protocol} {@code SASL_PLAINTEXT} or
 * {@code SASL_SSL}, a {@code sasl.mechanism} that neither kafka-clients (GSSAPI, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512,
 * OAUTHBEARER) nor a {@link javax.security.sasl.SaslClientFactory} registered in the JVM offers, and a
 * {@code sasl.jaas.config} naming kafka-clients' {@code PlainLoginModule}, {@code ScramLoginModule},
 * {@code OAuthBearerLoginModule} or the JDK's {@code Krb5LoginModule} for another mechanism (an unset
 * {@code sasl.mechanism} is kafka-clients' default, GSSAPI). Of a JAAS value only the login module is ever quoted.
 */
public final class KafkaConfig {

    public static final String DEFAULT_CLIENT_ID = "keel";
    /** The cluster {@link #custom()} and {@link #ofDefaults()} reach unless told otherwise. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
    /** How long the producer tries to get a record acknowledged, retries included. */
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(20);
    /** How long one broker request may take. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** How long a send may wait for metadata or buffer room before failing. */
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(10);
    public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
    /** The longest linger a configuration can have: kafka-clients' delivery timeout is an int of milliseconds. */
    public static final Duration MAX_LINGER = Duration.ofMillis(Integer.MAX_VALUE);
    /** The longest one consumer poll blocks; bounds how quickly pause, resume and close take effect. */
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(100);
    /** How often acknowledged offsets are committed while consuming. */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(200);
    /** How long closing a client may take (final commit, leaving the group, flushing). */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_POLL_RECORDS = 500;
    public static final String DEFAULT_AUTO_OFFSET_RESET = "earliest";
    /**
     * The longest delay of a delayed publish: 6 days, below the 7 days a broker keeps the delay
     * topic's records by default ({@code log.retention.hours}), with a day to spare for a forwarder
     * outage.
     */
    public static final Duration MAX_DELAY = Duration.ofDays(6);
    /**
     * How often a subscription whose topic has no delay topic yet checks whether one appeared (one
     * {@code describeTopics} per topic and adapter), so that delayed messages published by another
     * process are forwarded. A delay topic created by this adapter's own publisher is noticed at once.
     */
    public static final Duration DEFAULT_DELAY_TOPIC_CHECK_INTERVAL = Duration.ofSeconds(5);
    /** The shortest {@link #delayTopicCheckInterval()} accepted: the check is meant to be cheap and rare. */
    public static final Duration MIN_DELAY_TOPIC_CHECK_INTERVAL = Duration.ofMillis(100);
    /** Share consumers (members of the share group) per share-group subscription, unless set. */
    public static final int DEFAULT_SHARE_CONSUMERS = 2;
    /** The most share consumers one share-group subscription may have ({@code group.share.max.size} is 200). */
    public static final int MAX_SHARE_CONSUMERS = 64;

    /** Properties Keel sets itself; passing them through would weaken or break its guarantees. */
    public static final Set<String> RESERVED_PROPERTIES = Set.of("acks", "enable.idempotence",
            "enable.auto.commit", "group.id", "key.serializer", "value.serializer", "key.deserializer",
            "value.deserializer", "bootstrap.servers", "client.id", "delivery.timeout.ms", "request.timeout.ms",
            "max.block.ms", "linger.ms", "auto.offset.reset", "max.poll.records", "allow.auto.create.topics",
            "transactional.id", "share.acknowledgement.mode", "share.acquire.mode");

    private final String bootstrapServers;
    private final String clientId;
    private final Map<String, String> properties;
    private final Duration deliveryTimeout;
    private final Duration requestTimeout;
    private final Duration maxBlock;
    private final Duration linger;
    private final Duration pollTimeout;
    private final Duration commitInterval;
    private final Duration closeTimeout;
    private final int maxPollRecords;
    private final String autoOffsetReset;
    private final boolean topicAutoCreation;
    private final Duration delayTopicCheckInterval;
    private final int shareConsumers;

    private KafkaConfig(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.clientId = b.clientId;
        this.properties = Map.copyOf(b.properties);
        this.deliveryTimeout = b.deliveryTimeout;
        this.requestTimeout = b.requestTimeout;
        this.maxBlock = b.maxBlock;
        this.linger = b.linger;
        this.pollTimeout = b.pollTimeout;
        this.commitInterval = b.commitInterval;
        this.closeTimeout = b.closeTimeout;
        this.maxPollRecords = b.maxPollRecords;
        this.autoOffsetReset = b.autoOffsetReset;
        this.topicAutoCreation = b.topicAutoCreation;
        this.delayTopicCheckInterval = b.delayTopicCheckInterval;
        this.shareConsumers = b.shareConsumers;
    }

    /**
     * A builder with every default, for a cluster at {@value #DEFAULT_BOOTSTRAP_SERVERS} until
     * {@link Builder#bootstrapServers(String)} says otherwise.
     */
    public static Builder custom() {
        return new Builder();
    }

    /** The defaults: a plain connection to {@value #DEFAULT_BOOTSTRAP_SERVERS}. */
    public static KafkaConfig ofDefaults() {
        return custom().build();
    }

    /** A builder starting from {@code base}. */
    public static Builder from(KafkaConfig base) {
        return new Builder().bootstrapServers(base.bootstrapServers).clientId(base.clientId).properties(base.properties)
                .deliveryTimeout(base.deliveryTimeout).requestTimeout(base.requestTimeout).maxBlock(base.maxBlock)
                .linger(base.linger).pollTimeout(base.pollTimeout).commitInterval(base.commitInterval)
                .closeTimeout(base.closeTimeout).maxPollRecords(base.maxPollRecords)
                .autoOffsetReset(base.autoOffsetReset).topicAutoCreation(base.topicAutoCreation)
                .delayTopicCheckInterval(base.delayTopicCheckInterval).shareConsumers(base.shareConsumers);
    }

    public String bootstrapServers() { return bootstrapServers; }

    /** The client id prefix; producer, admin and each consumer get a suffix. */
    public String clientId() { return clientId; }

    /** Extra kafka-clients properties passed to every client (TLS, SASL, tuning). */
    public Map<String, String> properties() { return properties; }

    public Duration deliveryTimeout() { return deliveryTimeout; }

    public Duration requestTimeout() { return requestTimeout; }

    /** How long a send waits for topic metadata or buffer room; a missing topic fails after it. */
    public Duration maxBlock() { return maxBlock; }

    public Duration linger() { return linger; }

    public Duration pollTimeout() { return pollTimeout; }

    public Duration commitInterval() { return commitInterval; }

    public Duration closeTimeout() { return closeTimeout; }

    /** The most records one poll returns (further bounded by the subscription's max in-flight). */
    public int maxPollRecords() { return maxPollRecords; }

    /** Where a group with no committed offset starts: {@code earliest} (default) or {@code latest}. */
    public String autoOffsetReset() { return autoOffsetReset; }

    /**
     * Whether publishing to an undeclared topic relies on the broker creating it. When false (the
     * default) a publish to a topic that does not exist fails with {@link dev.keel.UnroutableException}.
     */
    public boolean topicAutoCreation() { return topicAutoCreation; }

    /**
     * How soon at the latest a running subscription notices that its topic's delay topic was created
     * by another process, and starts forwarding delayed messages (see docs/kafka.md, "Delayed
     * delivery"). Until then it runs no forwarder and costs one {@code describeTopics} per interval.
     * Also how old a producer's knowledge of a topic's limits may get before a delayed publish reads
     * them again and brings the delay topic in step (in the background).
     */
    public Duration delayTopicCheckInterval() { return delayTopicCheckInterval; }

    /**
     * How many share consumers (members of the share group) a share-group subscription runs
     * ({@code SubscriptionConfig.Builder#shareGroup(true)}), default {@value #DEFAULT_SHARE_CONSUMERS}. Each fetches
     * a batch of records and fetches the next only once every record of its batch is decided (kafka-clients'
     * explicit acknowledgement), so a slow or retrying message holds up its own consumer's batch and no other:
     * more consumers keep the subscription's lanes busy around slow messages, at the cost of a connection and a
     * group member each (docs/kafka.md, "Share groups").
     */
    public int shareConsumers() { return shareConsumers; }

    @Override
    public boolean equals(Object o) {
        return o instanceof KafkaConfig c && c.bootstrapServers.equals(bootstrapServers) && c.clientId.equals(clientId)
                && c.properties.equals(properties) && c.deliveryTimeout.equals(deliveryTimeout)
                && c.requestTimeout.equals(requestTimeout) && c.maxBlock.equals(maxBlock) && c.linger.equals(linger)
                && c.pollTimeout.equals(pollTimeout) && c.commitInterval.equals(commitInterval)
                && c.closeTimeout.equals(closeTimeout) && c.maxPollRecords == maxPollRecords
                && c.autoOffsetReset.equals(autoOffsetReset) && c.topicAutoCreation == topicAutoCreation
                && c.delayTopicCheckInterval.equals(delayTopicCheckInterval) && c.shareConsumers == shareConsumers;
    }

    @Override
    public int hashCode() {
        return Objects.hash(bootstrapServers, clientId, properties, deliveryTimeout, requestTimeout, maxBlock, linger,
                pollTimeout, commitInterval, closeTimeout, maxPollRecords, autoOffsetReset, topicAutoCreation,
                delayTopicCheckInterval, shareConsumers);
    }

    @Override
    public String toString() {
        return "KafkaConfig{bootstrapServers=" + bootstrapServers + ", clientId=" + clientId + ", properties="
                + Redaction.redact(properties) + ", deliveryTimeout=" + deliveryTimeout + ", requestTimeout="
                + requestTimeout + ", maxBlock=" + maxBlock + ", linger=" + linger + ", pollTimeout=" + pollTimeout
                + ", commitInterval=" + commitInterval + ", closeTimeout=" + closeTimeout + ", maxPollRecords="
                + maxPollRecords + ", autoOffsetReset=" + autoOffsetReset + ", topicAutoCreation=" + topicAutoCreation
                + ", delayTopicCheckInterval=" + delayTopicCheckInterval + ", shareConsumers=" + shareConsumers + "}";
    }

    public static final class Builder {
        private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
        private String clientId = DEFAULT_CLIENT_ID;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration maxBlock = DEFAULT_MAX_BLOCK;
        private Duration linger = DEFAULT_LINGER;
        private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
        private Duration commitInterval = DEFAULT_COMMIT_INTERVAL;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private int maxPollRecords = DEFAULT_MAX_POLL_RECORDS;
        private String autoOffsetReset = DEFAULT_AUTO_OFFSET_RESET;
        private boolean topicAutoCreation;
        private Duration delayTopicCheckInterval = DEFAULT_DELAY_TOPIC_CHECK_INTERVAL;
        private int shareConsumers = DEFAULT_SHARE_CONSUMERS;

        private Builder() {
        }

        /** The cluster's bootstrap servers, {@code host:port[,host:port...]} (default {@value #DEFAULT_BOOTSTRAP_SERVERS}). */
        public Builder bootstrapServers(String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must be host:port[,host:port...], was '"
                        + bootstrapServers + "'");
            }
            UrlPasswords.requireNoUserInfo("bootstrapServers", bootstrapServers, "give Kafka's credentials with "
                    + "property(\"sasl.jaas.config\", ...) (SASL) or the ssl.keystore.* properties (TLS)");
            for (String server : bootstrapServers.split(",")) {
                if (!server.trim().matches("[^:\\s]+:\\d{1,5}|\\[[0-9A-Fa-f:]+]:\\d{1,5}|[A-Za-z]+://[^\\s]+")) {
                    throw new IllegalArgumentException("bootstrapServers entry '"
                            + UrlPasswords.maskRefused(server.trim()) + "' is not host:port");
                }
            }
            this.bootstrapServers = bootstrapServers.trim();
            return this;
        }

        public Builder clientId(String clientId) {
            if (clientId == null || !clientId.matches("[A-Za-z0-9._-]{1,100}")) {
                throw new IllegalArgumentException("clientId must be 1-100 characters of [A-Za-z0-9._-], was '"
                        + clientId + "'");
            }
            this.clientId = clientId;
            return this;
        }

        /** Passes one kafka-clients property through to every client (e.g. {@code security.protocol}). */
        public Builder property(String name, String value) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("property name must not be blank");
            }
            if (value == null) {
                throw new IllegalArgumentException("property '" + name + "' must have a value");
            }
            if (RESERVED_PROPERTIES.contains(name)) {
                throw new IllegalArgumentException("property '" + name + "' is set by Keel (see "
                        + "KafkaConfig.RESERVED_PROPERTIES); use the builder's own setter where there is one");
            }
            properties.put(name, value);
            return this;
        }

        /** Passes every entry through, as {@link #property(String, String)} does. */
        public Builder properties(Map<String, String> properties) {
            Objects.requireNonNull(properties, "properties").forEach(this::property);
            return this;
        }

        public Builder deliveryTimeout(Duration deliveryTimeout) {
            this.deliveryTimeout = positive(deliveryTimeout, "deliveryTimeout");
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive(requestTimeout, "requestTimeout");
            return this;
        }

        public Builder maxBlock(Duration maxBlock) {
            this.maxBlock = positive(maxBlock, "maxBlock");
            return this;
        }

        public Builder linger(Duration linger) {
            Objects.requireNonNull(linger, "linger");
            if (linger.isNegative()) {
                throw new IllegalArgumentException("linger must be >= 0, was " + linger);
            }
            if (linger.compareTo(MAX_LINGER) <= 0 && linger.toNanos() % 1_000_000 != 0) {
                throw new IllegalArgumentException("linger must be whole milliseconds (kafka-clients' linger.ms), was "
                        + linger);
            }
            if (linger.compareTo(MAX_LINGER) > 0) {
                // kafka-clients' delivery.timeout.ms, an int of milliseconds, must be at least requestTimeout + linger
                throw new IllegalArgumentException("linger must be at most " + MAX_LINGER + " (a deliveryTimeout, at "
                        + "most Integer.MAX_VALUE ms, must exceed requestTimeout + linger), was " + linger);
            }
            this.linger = linger;
            return this;
        }

        public Builder pollTimeout(Duration pollTimeout) {
            this.pollTimeout = positive(pollTimeout, "pollTimeout");
            return this;
        }

        public Builder commitInterval(Duration commitInterval) {
            this.commitInterval = positive(commitInterval, "commitInterval");
            return this;
        }

        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = positive(closeTimeout, "closeTimeout");
            return this;
        }

        public Builder maxPollRecords(int maxPollRecords) {
            if (maxPollRecords < 1) {
                throw new IllegalArgumentException("maxPollRecords must be >= 1, was " + maxPollRecords);
            }
            this.maxPollRecords = maxPollRecords;
            return this;
        }

        public Builder autoOffsetReset(String autoOffsetReset) {
            String value = autoOffsetReset == null ? "" : autoOffsetReset.toLowerCase(Locale.ROOT);
            if (!value.equals("earliest") && !value.equals("latest")) {
                throw new IllegalArgumentException("autoOffsetReset must be 'earliest' or 'latest', was '"
                        + autoOffsetReset + "'");
            }
            this.autoOffsetReset = value;
            return this;
        }

        /** See {@link KafkaConfig#topicAutoCreation()}. */
        public Builder topicAutoCreation(boolean topicAutoCreation) {
            this.topicAutoCreation = topicAutoCreation;
            return this;
        }

        /**
         * See {@link KafkaConfig#delayTopicCheckInterval()}; at least
         * {@link KafkaConfig#MIN_DELAY_TOPIC_CHECK_INTERVAL}.
         */
        public Builder delayTopicCheckInterval(Duration delayTopicCheckInterval) {
            Duration interval = positive(delayTopicCheckInterval, "delayTopicCheckInterval");
            if (interval.compareTo(MIN_DELAY_TOPIC_CHECK_INTERVAL) < 0) {
                throw new IllegalArgumentException("delayTopicCheckInterval must be >= "
                        + MIN_DELAY_TOPIC_CHECK_INTERVAL + " (it is a periodic broker request), was " + interval);
            }
            this.delayTopicCheckInterval = interval;
            return this;
        }

        /** See {@link KafkaConfig#shareConsumers()}; from 1 to {@link KafkaConfig#MAX_SHARE_CONSUMERS}. */
        public Builder shareConsumers(int shareConsumers) {
            if (shareConsumers < 1 || shareConsumers > MAX_SHARE_CONSUMERS) {
                throw new IllegalArgumentException("shareConsumers must be in [1, " + MAX_SHARE_CONSUMERS + "], was "
                        + shareConsumers);
            }
            this.shareConsumers = shareConsumers;
            return this;
        }

        /**
         * The configuration; refuses a deliveryTimeout shorter than requestTimeout + linger, and SASL settings that
         * cannot work (see {@link KafkaConfig}), with an {@link IllegalArgumentException} naming the settings.
         */
        public KafkaConfig build() {
            if (deliveryTimeout.compareTo(requestTimeout.plus(linger)) < 0) {
                throw new IllegalArgumentException("deliveryTimeout (" + deliveryTimeout
                        + ") must be >= requestTimeout + linger (" + requestTimeout.plus(linger) + ")");
            }
            SaslSettings.check(properties);
            return new KafkaConfig(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be > 0, was " + d);
            }
            if (d.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " must be < " + Integer.MAX_VALUE + " ms, was " + d);
            }
            return d;
        }
    }
}
