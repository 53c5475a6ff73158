package dev.keel.jms;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How {@link ActiveMQClassicAdapter} reaches ActiveMQ Classic (6.x, OpenWire). Immutable; every value
 * is validated as it is set, with an {@link IllegalArgumentException} that says what is allowed. Build
 * with {@link #custom()}, {@link #ofDefaults()} or {@link #from(ActiveMQClassicConfig)}.
 * {@link #toString()} never shows the password, nor the values of the URL's password parameters.
 *
 * <pre>{@code
 * ActiveMQClassicConfig config = ActiveMQClassicConfig.custom()
 *         .url("tcp://activemq.internal:61616")
 *         .credentials("app", secret)
 *         .build();
 * }</pre>
 */
public final class ActiveMQClassicConfig {

    public static final String DEFAULT_URL = "tcp://localhost:61616";
    /** Publishing sessions per adapter; one key always uses the same one, which keeps its order. */
    public static final int DEFAULT_SEND_LANES = 4;
    /**
     * The largest payload a publish may carry, 64 MiB: below the broker's default {@code maxFrameSize} (100 MiB),
     * past which the broker drops the connection instead of refusing the message.
     */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    /** Messages the broker sends a member ahead of its acknowledgements. */
    public static final int DEFAULT_PREFETCH = 200;
    /** How long closing a consumer or the producer waits for the work in hand. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /** How long a synchronous send waits for the broker's answer before it fails, retriable. */
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([a-z.]*password=)[^&,)]*");

    private final String url;
    private final String username;
    private final String password;
    private final int sendLanes;
    private final int maxMessageBytes;
    private final int prefetch;
    private final boolean prioritizedQueues;
    private final Duration closeTimeout;
    private final Duration sendTimeout;

    private ActiveMQClassicConfig(Builder b) {
        this.url = b.url;
        this.username = b.username;
        this.password = b.password;
        this.sendLanes = b.sendLanes;
        this.maxMessageBytes = b.maxMessageBytes;
        this.prefetch = b.prefetch;
        this.prioritizedQueues = b.prioritizedQueues;
        this.closeTimeout = b.closeTimeout;
        this.sendTimeout = b.sendTimeout;
    }

    public static Builder custom() {
        return new Builder();
    }

    public static ActiveMQClassicConfig ofDefaults() {
        return custom().build();
    }

    public static Builder from(ActiveMQClassicConfig base) {
        Builder b = new Builder();
        b.url = base.url;
        b.username = base.username;
        b.password = base.password;
        b.sendLanes = base.sendLanes;
        b.maxMessageBytes = base.maxMessageBytes;
        b.prefetch = base.prefetch;
        b.prioritizedQueues = base.prioritizedQueues;
        b.closeTimeout = base.closeTimeout;
        b.sendTimeout = base.sendTimeout;
        return b;
    }

    /** The broker's URL as ActiveMQ Classic's client reads it, for example {@code tcp://host:61616}. */
    public String url() {
        return url;
    }

    public Optional<String> username() {
        return Optional.ofNullable(username);
    }

    /** Not shown by {@link #toString()}. */
    public Optional<String> password() {
        return Optional.ofNullable(password);
    }

    public int sendLanes() {
        return sendLanes;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public int prefetch() {
        return prefetch;
    }

    /**
     * Whether the broker orders its queues by priority ({@code prioritizedMessages="true"} in the destination policy
     * of Keel's queues); only then does the adapter declare {@link dev.keel.spi.Capability#PRIORITY}.
     */
    public boolean prioritizedQueues() {
        return prioritizedQueues;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public Duration sendTimeout() {
        return sendTimeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActiveMQClassicConfig c && c.url.equals(url) && Objects.equals(c.username, username)
                && Objects.equals(c.password, password) && c.sendLanes == sendLanes
                && c.maxMessageBytes == maxMessageBytes && c.prefetch == prefetch
                && c.prioritizedQueues == prioritizedQueues && c.closeTimeout.equals(closeTimeout)
                && c.sendTimeout.equals(sendTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(url, username, password, sendLanes, maxMessageBytes, prefetch, prioritizedQueues,
                closeTimeout, sendTimeout);
    }

    /** Never shows the password, nor the values of the URL's password parameters. */
    @Override
    public String toString() {
        return "ActiveMQClassicConfig{url=" + PASSWORD_PARAMETER.matcher(url).replaceAll("$1****") + ", username="
                + username + ", password=" + (password == null ? "none" : "****") + ", sendLanes=" + sendLanes
                + ", maxMessageBytes=" + maxMessageBytes + ", prefetch=" + prefetch + ", prioritizedQueues="
                + prioritizedQueues + ", closeTimeout=" + closeTimeout + ", sendTimeout=" + sendTimeout + "}";
    }

    /** Builds an {@link ActiveMQClassicConfig}; each setter validates its value at once. */
    public static final class Builder {
        private String url = DEFAULT_URL;
        private String username;
        private String password;
        private int sendLanes = DEFAULT_SEND_LANES;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int prefetch = DEFAULT_PREFETCH;
        private boolean prioritizedQueues;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private Duration sendTimeout = DEFAULT_SEND_TIMEOUT;

        private Builder() {
        }

        /**
         * {@code tcp://host:port} (or {@code ssl://}), with the client's URL parameters after {@code ?} if needed. A
         * {@code failover:(tcp://a:61616,tcp://b:61616)} URL (a primary and its standby) must say
         * {@code maxReconnectAttempts=0}: Keel reconnects by itself, through the list, and a failover transport that
         * reconnected on its own would hide the lost connection from it (a send would wait instead of failing, a member
         * would not give back what it held).
         */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            if (url.isBlank() || url.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("url must be an ActiveMQ Classic URL such as " + DEFAULT_URL
                        + ", without spaces; was '" + url + "'");
            }
            if (url.regionMatches(true, 0, "failover:", 0, "failover:".length())
                    && !url.contains("maxReconnectAttempts=0")) {
                throw new IllegalArgumentException("a failover: url must set maxReconnectAttempts=0: Keel reconnects by "
                        + "itself, through the list, and a failover transport that reconnects on its own would hide a "
                        + "lost connection from it (docs/activemq.md, \"High availability\"); was '"
                        + PASSWORD_PARAMETER.matcher(url).replaceAll("$1****") + "'");
            }
            this.url = url;
            return this;
        }

        /** The user and password the broker authenticates; both or neither. */
        public Builder credentials(String username, String password) {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            if (username.isBlank()) {
                throw new IllegalArgumentException("username must not be blank");
            }
            this.username = username;
            this.password = password;
            return this;
        }

        public Builder sendLanes(int sendLanes) {
            if (sendLanes < 1 || sendLanes > 64) {
                throw new IllegalArgumentException("sendLanes must be in [1, 64], was " + sendLanes);
            }
            this.sendLanes = sendLanes;
            return this;
        }

        /** At most the broker's {@code maxFrameSize} less the headers' room; a larger payload is refused at once. */
        public Builder maxMessageBytes(int maxMessageBytes) {
            if (maxMessageBytes < 1) {
                throw new IllegalArgumentException("maxMessageBytes must be >= 1, was " + maxMessageBytes);
            }
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        public Builder prefetch(int prefetch) {
            if (prefetch < 1 || prefetch > 32_767) {
                throw new IllegalArgumentException("prefetch must be in [1, 32767], was " + prefetch);
            }
            this.prefetch = prefetch;
            return this;
        }

        /** Say true only when the broker's policy for Keel's queues has {@code prioritizedMessages="true"}. */
        public Builder prioritizedQueues(boolean prioritizedQueues) {
            this.prioritizedQueues = prioritizedQueues;
            return this;
        }

        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = positive(closeTimeout, "closeTimeout");
            return this;
        }

        public Builder sendTimeout(Duration sendTimeout) {
            this.sendTimeout = positive(sendTimeout, "sendTimeout");
            return this;
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }

        public ActiveMQClassicConfig build() {
            return new ActiveMQClassicConfig(this);
        }
    }
}
