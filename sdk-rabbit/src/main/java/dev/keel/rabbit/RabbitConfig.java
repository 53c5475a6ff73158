package dev.keel.rabbit;

import dev.keel.TopicSpec;
import dev.keel.spi.support.UrlPasswords;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How {@link RabbitAdapter} reaches RabbitMQ and shapes its topology. Immutable; every value is
 * validated as it is set, with an {@link IllegalArgumentException} that says what is allowed.
 * Build with {@link #custom()}, {@link #ofDefaults()} or {@link #from(RabbitConfig)}. A value:
 * {@link #equals(Object)} compares every setting (a TLS context by identity). {@link #toString()}
 * never shows the password, and shows a TLS context by its class name only.
 *
 * <p>With mutual TLS the client certificate alone may log in ({@link AuthenticationMechanism#EXTERNAL}):
 * <pre>{@code
 * RabbitConfig config = RabbitConfig.custom()
 *         .uri("amqps://rabbit.internal:5671/orders")
 *         .sslContext(contextWithTheClientCertificate)
 *         .externalAuthentication()
 *         .build();
 * }</pre>
 *
 * <pre>{@code
 * RabbitConfig config = RabbitConfig.custom()
 *         .uri("amqps://app:secret@rabbit.internal:5671/orders")
 *         .queueType(QueueType.QUORUM)
 *         .build();
 * }</pre>
 */
public final class RabbitConfig {

    public static final String DEFAULT_HOST = "localhost";
    public static final int DEFAULT_PORT = 5672;
    public static final int DEFAULT_TLS_PORT = 5671;
    public static final String DEFAULT_VIRTUAL_HOST = "/";
    public static final String DEFAULT_USERNAME = "guest";
    public static final String DEFAULT_PASSWORD = "guest";
    /** Unconfirmed publishes allowed per channel before a publisher waits. */
    public static final int DEFAULT_CONFIRM_WINDOW = 1000;
    /** Publishing channels per adapter (one key always uses the same channel, to keep its order). */
    public static final int DEFAULT_CHANNEL_POOL_SIZE = 4;
    /** The most unacknowledged deliveries per partition queue consumer (further capped by maxInFlight / partitions). */
    public static final int DEFAULT_PREFETCH = 250;
    public static final QueueType DEFAULT_QUEUE_TYPE = QueueType.QUORUM;
    /** The partition count assumed for a topic whose exchange exists but was not declared by Keel. */
    public static final int DEFAULT_PARTITIONS = TopicSpec.DEFAULT_PARTITIONS;
    public static final String DEFAULT_CONNECTION_NAME = "keel";
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(30);
    /** Pause between reconnection attempts (consumers recover, publishers reconnect on demand). */
    public static final Duration DEFAULT_RECOVERY_INTERVAL = Duration.ofSeconds(2);
    /** How often a consumer checks the group's size and hands over partitions beyond its share. */
    public static final Duration DEFAULT_REBALANCE_INTERVAL = Duration.ofSeconds(2);
    /**
     * The longest a publish holds its caller: waiting for room in a full confirm window or for the
     * channel fails after it (retriable), and a write still in progress after it (a broker blocked
     * by a memory or disk alarm, a stalled network) closes the publishing connection.
     */
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(10);
    /** How long closing the producer waits for outstanding confirms before failing them. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The longest delay of a delayed publish (its delay queue's {@code x-message-ttl}, a 32-bit
     * signed number of milliseconds): 24 days.
     */
    public static final Duration MAX_DELAY = Duration.ofDays(24);
    /**
     * The most bytes a message's headers may take, encoded (per header: its UTF-8 name and value plus
     * 6 bytes). AMQP carries all of a message's properties in one frame (128 KiB by default on
     * RabbitMQ); a publish over this fails at once with a non-retriable {@link dev.keel.PublishException}.
     * Ids and header names are further limited to 255 UTF-8 bytes (AMQP short strings).
     */
    public static final int MAX_HEADER_BYTES = 64 * 1024;
    /**
     * The default largest payload a publish may carry: RabbitMQ 3.10's default {@code max_message_size},
     * 128 MiB.
     */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 128 * 1024 * 1024;
    /** The highest {@code max_message_size} RabbitMQ accepts, 512 MiB: the top of {@link #maxMessageSize()}. */
    public static final int MAX_MESSAGE_SIZE_LIMIT = 512 * 1024 * 1024;

    private final String host;
    private final int port;
    private final String virtualHost;
    private final String username;
    private final String password;
    private final AuthenticationMechanism authentication;
    private final boolean tls;
    private final SSLContext sslContext;
    private final int confirmWindow;
    private final int channelPoolSize;
    private final int prefetch;
    private final QueueType queueType;
    private final int defaultPartitions;
    private final String connectionName;
    private final Duration connectionTimeout;
    private final Duration heartbeat;
    private final Duration recoveryInterval;
    private final Duration maxBlock;
    private final Duration closeTimeout;
    private final Duration rebalanceInterval;
    private final int maxMessageSize;
    private final List<String> addresses;

    private RabbitConfig(Builder b) {
        this.host = b.host;
        this.port = b.port != null ? b.port : (b.tls ? DEFAULT_TLS_PORT : DEFAULT_PORT);
        this.virtualHost = b.virtualHost;
        this.authentication = b.authentication;
        boolean external = b.authentication == AuthenticationMechanism.EXTERNAL;
        this.username = external ? "" : (b.username != null ? b.username : DEFAULT_USERNAME);
        this.password = external ? "" : (b.password != null ? b.password : DEFAULT_PASSWORD);
        this.tls = b.tls;
        this.sslContext = b.sslContext;
        this.confirmWindow = b.confirmWindow;
        this.channelPoolSize = b.channelPoolSize;
        this.prefetch = b.prefetch;
        this.queueType = b.queueType;
        this.defaultPartitions = b.defaultPartitions;
        this.connectionName = b.connectionName;
        this.connectionTimeout = b.connectionTimeout;
        this.heartbeat = b.heartbeat;
        this.recoveryInterval = b.recoveryInterval;
        this.maxBlock = b.maxBlock;
        this.closeTimeout = b.closeTimeout;
        this.rebalanceInterval = b.rebalanceInterval;
        this.maxMessageSize = b.maxMessageSize;
        this.addresses = b.addresses;
    }

    /** A builder preset with the defaults (the DEFAULT_* constants of this class). */
    public static Builder custom() {
        return new Builder();
    }

    /** The defaults: a plain AMQP connection to {@code guest@localhost:5672}, vhost {@code /}. */
    public static RabbitConfig ofDefaults() {
        return custom().build();
    }

    /** A builder holding every value of {@code base}. */
    public static Builder from(RabbitConfig base) {
        Builder b = new Builder().host(base.host).port(base.port).virtualHost(base.virtualHost)
                .authentication(base.authentication).tls(base.tls).confirmWindow(base.confirmWindow)
                .channelPoolSize(base.channelPoolSize).prefetch(base.prefetch).queueType(base.queueType)
                .defaultPartitions(base.defaultPartitions).connectionName(base.connectionName)
                .connectionTimeout(base.connectionTimeout).heartbeat(base.heartbeat)
                .recoveryInterval(base.recoveryInterval).maxBlock(base.maxBlock).closeTimeout(base.closeTimeout)
                .rebalanceInterval(base.rebalanceInterval).maxMessageSize(base.maxMessageSize).addresses(base.addresses);
        if (base.sslContext != null) {
            b.sslContext(base.sslContext);
        }
        if (base.authentication == AuthenticationMechanism.PLAIN) {
            b.username(base.username).password(base.password);
        }
        return b;
    }

    public String host() { return host; }

    public int port() { return port; }

    public String virtualHost() { return virtualHost; }

    /** The user of a PLAIN login; empty with {@link AuthenticationMechanism#EXTERNAL} (the certificate names it). */
    public String username() { return username; }

    /** The password of a PLAIN login; empty with {@link AuthenticationMechanism#EXTERNAL}. Never log it. */
    public String password() { return password; }

    /** How the adapter logs in: a user name and password (PLAIN, the default) or the client certificate (EXTERNAL). */
    public AuthenticationMechanism authentication() { return authentication; }

    public boolean tls() { return tls; }

    /** The TLS context given with {@link Builder#sslContext}; empty means the JVM default when TLS is on. */
    public Optional<SSLContext> sslContext() { return Optional.ofNullable(sslContext); }

    public int confirmWindow() { return confirmWindow; }

    public int channelPoolSize() { return channelPoolSize; }

    public int prefetch() { return prefetch; }

    public QueueType queueType() { return queueType; }

    /**
     * The partition count (partition queues per group) assumed for a topic whose exchange exists
     * without Keel's partition-count marker (declared by another tool).
     */
    public int defaultPartitions() { return defaultPartitions; }

    public String connectionName() { return connectionName; }

    public Duration connectionTimeout() { return connectionTimeout; }

    public Duration heartbeat() { return heartbeat; }

    public Duration recoveryInterval() { return recoveryInterval; }

    public Duration maxBlock() { return maxBlock; }

    public Duration closeTimeout() { return closeTimeout; }

    public Duration rebalanceInterval() { return rebalanceInterval; }

    /**
     * The largest payload a publish may carry, in bytes: a larger one fails at once with a
     * non-retriable {@link dev.keel.PublishException}, before anything is sent. Set it to the
     * broker's {@code max_message_size} when that is below RabbitMQ's default of 128 MiB (AMQP does not
     * tell clients the node's limit). A message that passes this check and is still over the node's
     * limit is refused by RabbitMQ, which closes the publishing channel; Keel reports that refusal the
     * same way (see docs/rabbitmq.md, "Publishing").
     */
    public int maxMessageSize() { return maxMessageSize; }

    /**
     * The nodes of a cluster as {@code host:port}, tried in turn (in random order) when a connection is
     * opened or reopened; empty means {@link #host()}:{@link #port()} alone.
     */
    public List<String> addresses() { return addresses; }

    @Override
    public boolean equals(Object o) {
        return o instanceof RabbitConfig c && c.host.equals(host) && c.port == port
                && c.virtualHost.equals(virtualHost) && c.username.equals(username) && c.password.equals(password)
                && c.authentication == authentication && c.tls == tls && c.sslContext == sslContext && c.confirmWindow == confirmWindow
                && c.channelPoolSize == channelPoolSize && c.prefetch == prefetch && c.queueType == queueType
                && c.defaultPartitions == defaultPartitions && c.connectionName.equals(connectionName)
                && c.connectionTimeout.equals(connectionTimeout) && c.heartbeat.equals(heartbeat)
                && c.recoveryInterval.equals(recoveryInterval) && c.maxBlock.equals(maxBlock)
                && c.closeTimeout.equals(closeTimeout) && c.rebalanceInterval.equals(rebalanceInterval)
                && c.maxMessageSize == maxMessageSize && c.addresses.equals(addresses);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, virtualHost, username, password, authentication, tls, sslContext, confirmWindow,
                channelPoolSize, prefetch, queueType, defaultPartitions, connectionName, connectionTimeout, heartbeat,
                recoveryInterval, maxBlock, closeTimeout, rebalanceInterval, maxMessageSize, addresses);
    }

    /** Every setting but the password (masked); a TLS context by its class name only. */
    @Override
    public String toString() {
        String login = authentication == AuthenticationMechanism.EXTERNAL ? "" : username + ":****@";
        return "RabbitConfig{" + (tls ? "amqps" : "amqp") + "://" + login + host + ":" + port
                + ", authentication=" + authentication + ", virtualHost=" + virtualHost + ", sslContext="
                + (sslContext == null ? "<default>" : sslContext.getClass().getSimpleName()) + ", confirmWindow=" + confirmWindow + ", channelPoolSize="
                + channelPoolSize + ", prefetch=" + prefetch + ", queueType=" + queueType + ", defaultPartitions="
                + defaultPartitions + ", connectionName=" + connectionName + ", connectionTimeout=" + connectionTimeout
                + ", heartbeat=" + heartbeat + ", recoveryInterval=" + recoveryInterval + ", maxBlock=" + maxBlock
                + ", closeTimeout=" + closeTimeout + ", rebalanceInterval=" + rebalanceInterval
                + ", maxMessageSize=" + maxMessageSize + ", addresses=" + addresses + "}";
    }

    /** Where RabbitMQ's credentials go, for a host or address refused because it holds user info. */
    private static final String RABBIT_CREDENTIALS = "give the user and password with credentials(user, password), "
            + "or in uri(\"amqp://user:password@host:port/vhost\")";

    public static final class Builder {
        private String host = DEFAULT_HOST;
        private Integer port;
        private String virtualHost = DEFAULT_VIRTUAL_HOST;
        /** Null: not set ({@link #DEFAULT_USERNAME} with PLAIN). */
        private String username;
        /** Null: not set ({@link #DEFAULT_PASSWORD} with PLAIN). */
        private String password;
        private AuthenticationMechanism authentication = AuthenticationMechanism.PLAIN;
        private boolean tls;
        private SSLContext sslContext;
        private int confirmWindow = DEFAULT_CONFIRM_WINDOW;
        private int channelPoolSize = DEFAULT_CHANNEL_POOL_SIZE;
        private int prefetch = DEFAULT_PREFETCH;
        private QueueType queueType = DEFAULT_QUEUE_TYPE;
        private int defaultPartitions = DEFAULT_PARTITIONS;
        private String connectionName = DEFAULT_CONNECTION_NAME;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private Duration recoveryInterval = DEFAULT_RECOVERY_INTERVAL;
        private Duration maxBlock = DEFAULT_MAX_BLOCK;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private Duration rebalanceInterval = DEFAULT_REBALANCE_INTERVAL;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private List<String> addresses = List.of();

        private Builder() {
        }

        /**
         * Sets host, port, virtual host, credentials and TLS from an AMQP URI:
         * {@code amqp[s]://[user[:password]@]host[:port][/vhost][?auth_mechanism=external]} (vhost URL-encoded,
         * {@code %2F} for {@code /}; no path means {@code /}). The query parameter {@code auth_mechanism} (RabbitMQ's
         * URI form) chooses the {@link #authentication}: {@code external} (the client certificate, with no user or
         * password in the URI) or {@code plain}; other query parameters are ignored. Parts the URI leaves out keep
         * their current values.
         */
        public Builder uri(String uri) {
            URI parsed;
            try {
                parsed = new URI(Objects.requireNonNull(uri, "uri"));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("uri is not a valid URI (amqp[s]://user:password@host:port/vhost)");
            }
            String scheme = parsed.getScheme();
            if (!"amqp".equalsIgnoreCase(scheme) && !"amqps".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException("uri scheme must be amqp or amqps, was " + scheme);
            }
            if (parsed.getHost() == null) {
                throw new IllegalArgumentException("uri must name a host (amqp[s]://host[:port][/vhost])");
            }
            tls("amqps".equalsIgnoreCase(scheme));
            host(parsed.getHost());
            if (parsed.getPort() != -1) {
                port(parsed.getPort());
            }
            String userInfo = parsed.getRawUserInfo();
            if (userInfo != null) {
                int colon = userInfo.indexOf(':');
                username(decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
                if (colon >= 0) {
                    password(decode(userInfo.substring(colon + 1)));
                }
            }
            String path = parsed.getRawPath();
            if (path != null && path.length() > 1) {
                if (path.indexOf('/', 1) >= 0) {
                    throw new IllegalArgumentException("uri path must be one segment (the vhost, %2F for /)");
                }
                virtualHost(decode(path.substring(1)));
            }
            authMechanism(parsed.getRawQuery()).ifPresent(this::authentication);
            return this;
        }

        /** The {@code auth_mechanism} of a URI's query, if it has one. */
        private static Optional<AuthenticationMechanism> authMechanism(String rawQuery) {
            if (rawQuery == null || rawQuery.isEmpty()) {
                return Optional.empty();
            }
            Optional<AuthenticationMechanism> mechanism = Optional.empty();
            for (String parameter : rawQuery.split("&")) {
                int eq = parameter.indexOf('=');
                if (!decode(eq < 0 ? parameter : parameter.substring(0, eq)).equals("auth_mechanism")) {
                    continue;
                }
                String value = eq < 0 ? "" : decode(parameter.substring(eq + 1));
                AuthenticationMechanism one = switch (value.toLowerCase(java.util.Locale.ROOT)) {
                    case "external" -> AuthenticationMechanism.EXTERNAL;
                    case "plain" -> AuthenticationMechanism.PLAIN;
                    default -> throw new IllegalArgumentException("uri: auth_mechanism must be external (the client "
                            + "certificate) or plain (user and password), was '" + value + "'");
                };
                if (mechanism.isPresent() && mechanism.get() != one) {
                    throw new IllegalArgumentException("uri: give one auth_mechanism, external or plain, not both");
                }
                mechanism = Optional.of(one);
            }
            return mechanism;
        }

        public Builder host(String host) {
            UrlPasswords.requireNoUserInfo("host", host, RABBIT_CREDENTIALS);
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be in [1, 65535], was " + port);
            }
            this.port = port;
            return this;
        }

        public Builder virtualHost(String virtualHost) {
            if (virtualHost == null || virtualHost.isEmpty()) {
                throw new IllegalArgumentException("virtualHost must not be empty (the default vhost is \"/\")");
            }
            this.virtualHost = virtualHost;
            return this;
        }

        public Builder username(String username) {
            if (username == null || username.isEmpty()) {
                throw new IllegalArgumentException("username must not be empty");
            }
            this.username = username;
            return this;
        }

        public Builder password(String password) {
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * How to log in: {@link AuthenticationMechanism#PLAIN} (user name and password, the default) or
         * {@link AuthenticationMechanism#EXTERNAL} (the client certificate alone: needs TLS, and no user name or
         * password, which {@link #build()} checks).
         */
        public Builder authentication(AuthenticationMechanism authentication) {
            this.authentication = Objects.requireNonNull(authentication, "authentication");
            return this;
        }

        /** {@code authentication(AuthenticationMechanism.EXTERNAL)}: log in with the client certificate alone. */
        public Builder externalAuthentication() {
            return authentication(AuthenticationMechanism.EXTERNAL);
        }

        /** TLS with the JVM's default trust store and hostname verification (port 5671 unless set). */
        public Builder tls(boolean tls) {
            this.tls = tls;
            if (!tls) {
                this.sslContext = null;
            }
            return this;
        }

        /** TLS with this context (for a private CA or client certificates); turns TLS on. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            this.tls = true;
            return this;
        }

        public Builder confirmWindow(int confirmWindow) {
            this.confirmWindow = inRange("confirmWindow", confirmWindow, 1, 1_000_000);
            return this;
        }

        public Builder channelPoolSize(int channelPoolSize) {
            this.channelPoolSize = inRange("channelPoolSize", channelPoolSize, 1, 256);
            return this;
        }

        public Builder prefetch(int prefetch) {
            this.prefetch = inRange("prefetch", prefetch, 1, 65_535);
            return this;
        }

        public Builder queueType(QueueType queueType) {
            this.queueType = Objects.requireNonNull(queueType, "queueType");
            return this;
        }

        /** See {@link RabbitConfig#defaultPartitions()}. */
        public Builder defaultPartitions(int defaultPartitions) {
            this.defaultPartitions = inRange("defaultPartitions", defaultPartitions, 1, 1024);
            return this;
        }

        /** Shown in the management UI; Keel appends the connection's role ({@code -publish}, {@code -consume}). */
        public Builder connectionName(String connectionName) {
            if (connectionName == null || connectionName.isBlank()) {
                throw new IllegalArgumentException("connectionName must not be blank");
            }
            this.connectionName = connectionName;
            return this;
        }

        public Builder connectionTimeout(Duration connectionTimeout) {
            this.connectionTimeout = positive("connectionTimeout", connectionTimeout);
            return this;
        }

        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = positive("heartbeat", heartbeat);
            return this;
        }

        public Builder recoveryInterval(Duration recoveryInterval) {
            this.recoveryInterval = positive("recoveryInterval", recoveryInterval);
            return this;
        }

        public Builder maxBlock(Duration maxBlock) {
            this.maxBlock = positive("maxBlock", maxBlock);
            return this;
        }

        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = positive("closeTimeout", closeTimeout);
            return this;
        }

        public Builder rebalanceInterval(Duration rebalanceInterval) {
            this.rebalanceInterval = positive("rebalanceInterval", rebalanceInterval);
            return this;
        }

        /**
         * The largest payload in bytes, in [1, {@value RabbitConfig#MAX_MESSAGE_SIZE_LIMIT}]; the broker's
         * {@code max_message_size} when it is lower than the default {@value RabbitConfig#DEFAULT_MAX_MESSAGE_SIZE}.
         */
        public Builder maxMessageSize(int maxMessageSize) {
            this.maxMessageSize = inRange("maxMessageSize", maxMessageSize, 1, MAX_MESSAGE_SIZE_LIMIT);
            return this;
        }

        /**
         * The nodes of a cluster, comma-separated {@code host:port} (port optional: 5672, or 5671 with
         * TLS set before); the adapter connects to a live one and reconnects to another when it fails.
         * Credentials, vhost and TLS come from the other settings ({@link #uri} still sets them).
         */
        public Builder addresses(String addresses) {
            Objects.requireNonNull(addresses, "addresses");
            return addresses(List.of(addresses.split(",", -1)));
        }

        /** As {@link #addresses(String)}, one {@code host[:port]} per element; an empty list clears them. */
        public Builder addresses(List<String> addresses) {
            Objects.requireNonNull(addresses, "addresses");
            List<String> parsed = new ArrayList<>();
            for (String address : addresses) {
                parsed.add(address(address));
            }
            this.addresses = List.copyOf(parsed);
            return this;
        }

        private String address(String address) {
            UrlPasswords.requireNoUserInfo("addresses", address, RABBIT_CREDENTIALS);
            String a = address == null ? "" : address.trim();
            int colon = a.lastIndexOf(':');
            String host = colon < 0 ? a : a.substring(0, colon);
            if (host.isBlank() || host.contains(",") || host.contains("/")) {
                throw new IllegalArgumentException("addresses must be host:port pairs separated by commas "
                        + "(e.g. rabbit-1:5672,rabbit-2:5672), got '" + UrlPasswords.maskRefused(address) + "'");
            }
            if (colon < 0) {
                return host + ":" + (tls ? DEFAULT_TLS_PORT : DEFAULT_PORT);
            }
            try {
                int p = Integer.parseInt(a.substring(colon + 1));
                if (p >= 1 && p <= 65535) {
                    return host + ":" + p;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("addresses: the port of '" + address + "' must be a number in [1, 65535]");
        }

        /**
         * The config.
         *
         * @throws IllegalArgumentException for {@link AuthenticationMechanism#EXTERNAL} without TLS, or with a user
         *         name or password set
         */
        public RabbitConfig build() {
            if (authentication == AuthenticationMechanism.EXTERNAL) {
                if (!tls) {
                    throw new IllegalArgumentException("authentication EXTERNAL logs in with the client certificate, "
                            + "which only TLS presents: use an amqps:// uri, or tls(true) or sslContext(...) with a "
                            + "context holding the client certificate");
                }
                if (password != null) {
                    throw new IllegalArgumentException("authentication EXTERNAL sends no password (the client "
                            + "certificate is the credential): remove the password (from the uri too), or use "
                            + "authentication PLAIN to log in with user and password");
                }
                if (username != null) {
                    throw new IllegalArgumentException("authentication EXTERNAL takes the user name from the client "
                            + "certificate (the broker's ssl_cert_login_from), not from the config: remove the user "
                            + "name '" + username + "' (from the uri too), or use authentication PLAIN");
                }
            }
            return new RabbitConfig(this);
        }

        private static String decode(String s) {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        }

        private static int inRange(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was " + value);
            }
            return value;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero() || value.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " must be positive and below 24 days, was " + value);
            }
            return value;
        }
    }
}
