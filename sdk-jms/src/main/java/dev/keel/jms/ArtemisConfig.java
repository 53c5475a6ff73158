package dev.keel.jms;

import dev.keel.TopicSpec;
import dev.keel.spi.support.UrlPasswords;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link ArtemisAdapter} reaches ActiveMQ Artemis. Immutable; every value is validated as it is
 * set, with an {@link IllegalArgumentException} that says what is allowed. Build with
 * {@link #custom()}, {@link #ofDefaults()} or {@link #from(ArtemisConfig)}. {@link #toString()} never
 * shows the password, nor the values of the URL's password parameters.
 *
 * <pre>{@code
 * ArtemisConfig config = ArtemisConfig.custom()
 *         .url("tcp://artemis.internal:61616")
 *         .credentials("app", secret)
 *         .build();
 * }</pre>
 */
public final class ArtemisConfig {

    public static final String DEFAULT_URL = "tcp://localhost:61616";
    /** Publishing sessions per adapter; one key always uses the same one, which keeps its order. */
    public static final int DEFAULT_SEND_LANES = 4;
    /** The partitions (message-group buckets) assumed for a topic whose address was not declared by Keel. */
    public static final int DEFAULT_PARTITIONS = TopicSpec.DEFAULT_PARTITIONS;
    /**
     * The largest payload a publish may carry, 100 MiB. Artemis itself sets no limit (bodies over 100 KiB
     * travel as large messages, streamed to its journal); Keel refuses larger payloads at once.
     */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024 * 1024;
    /** How long closing a consumer or the producer waits for the work in hand. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final String url;
    private final String username;
    private final String password;
    private final int sendLanes;
    private final int defaultPartitions;
    private final int maxMessageBytes;
    private final Duration closeTimeout;

    private ArtemisConfig(Builder b) {
        this.url = b.url;
        this.username = b.username;
        this.password = b.password;
        this.sendLanes = b.sendLanes;
        this.defaultPartitions = b.defaultPartitions;
        this.maxMessageBytes = b.maxMessageBytes;
        this.closeTimeout = b.closeTimeout;
    }

    public static Builder custom() {
        return new Builder();
    }

    public static ArtemisConfig ofDefaults() {
        return custom().build();
    }

    public static Builder from(ArtemisConfig base) {
        Builder b = new Builder();
        b.url = base.url;
        b.username = base.username;
        b.password = base.password;
        b.sendLanes = base.sendLanes;
        b.defaultPartitions = base.defaultPartitions;
        b.maxMessageBytes = base.maxMessageBytes;
        b.closeTimeout = base.closeTimeout;
        return b;
    }

    /** The broker's URL as Artemis's client reads it, for example {@code tcp://host:61616?connectionTTL=30000}. */
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

    public int defaultPartitions() {
        return defaultPartitions;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArtemisConfig c && c.url.equals(url) && Objects.equals(c.username, username)
                && Objects.equals(c.password, password) && c.sendLanes == sendLanes
                && c.defaultPartitions == defaultPartitions && c.maxMessageBytes == maxMessageBytes
                && c.closeTimeout.equals(closeTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(url, username, password, sendLanes, defaultPartitions, maxMessageBytes, closeTimeout);
    }

    /** Never shows the password, nor the values of the URL's password parameters. */
    @Override
    public String toString() {
        return "ArtemisConfig{url=" + UrlPasswords.mask(url) + ", username=" + username + ", password=" + (password == null ? "none" : "****")
                + ", sendLanes=" + sendLanes + ", defaultPartitions=" + defaultPartitions + ", maxMessageBytes="
                + maxMessageBytes + ", closeTimeout=" + closeTimeout + "}";
    }

    /** Builds an {@link ArtemisConfig}; each setter validates its value at once. */
    public static final class Builder {
        private String url = DEFAULT_URL;
        private String username;
        private String password;
        private int sendLanes = DEFAULT_SEND_LANES;
        private int defaultPartitions = DEFAULT_PARTITIONS;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        private Builder() {
        }

        /**
         * {@code tcp://host:port}, with Artemis's URL parameters after {@code ?} if needed. User info
         * ({@code tcp://user:password@host}) is refused, whatever the password holds, without quoting the URL: Artemis's
         * client reads no credentials there (it takes the user for the host), and the URL is shown in logs.
         */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            if (UrlPasswords.holdsUserInfo(url)) {
                throw new IllegalArgumentException("url holds user info (something@ before a host): Artemis's client "
                        + "reads no credentials there (it would take the user for the host). Give the user and password "
                        + "with credentials(username, password). The url is not quoted, so that no part of a password "
                        + "is");
            }
            if (url.isBlank() || url.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("url must be an Artemis URL such as " + DEFAULT_URL
                        + ", without spaces; was '" + UrlPasswords.mask(url) + "'");
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

        public Builder defaultPartitions(int defaultPartitions) {
            if (defaultPartitions < 1 || defaultPartitions > 1024) {
                throw new IllegalArgumentException("defaultPartitions must be in [1, 1024], was " + defaultPartitions);
            }
            this.defaultPartitions = defaultPartitions;
            return this;
        }

        public Builder maxMessageBytes(int maxMessageBytes) {
            if (maxMessageBytes < 1) {
                throw new IllegalArgumentException("maxMessageBytes must be >= 1, was " + maxMessageBytes);
            }
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        public Builder closeTimeout(Duration closeTimeout) {
            Objects.requireNonNull(closeTimeout, "closeTimeout");
            if (closeTimeout.isNegative() || closeTimeout.isZero()) {
                throw new IllegalArgumentException("closeTimeout must be positive, was " + closeTimeout);
            }
            this.closeTimeout = closeTimeout;
            return this;
        }

        public ArtemisConfig build() {
            return new ArtemisConfig(this);
        }
    }
}
