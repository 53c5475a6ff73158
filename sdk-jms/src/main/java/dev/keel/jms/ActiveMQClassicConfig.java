package dev.keel.jms;

import dev.keel.jms.internal.ClassicTls;
import dev.keel.spi.support.UrlPasswords;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.apache.activemq.ActiveMQConnectionFactory;

/**
 * How {@link ActiveMQClassicAdapter} reaches ActiveMQ Classic (6.x, OpenWire). Immutable; every value
 * is validated as it is set, with an {@link IllegalArgumentException} that says what is allowed. Build
 * with {@link #custom()}, {@link #ofDefaults()} or {@link #from(ActiveMQClassicConfig)}.
 * {@link #toString()} never shows the password, nor the stores' passwords, nor the values of the URL's password
 * parameters.
 *
 * <pre>{@code
 * ActiveMQClassicConfig config = ActiveMQClassicConfig.custom()
 *         .url("tcp://activemq.internal:61616")
 *         .credentials("app", secret)
 *         .build();
 * }</pre>
 *
 * <p>Over TLS, each adapter may have its own trust and key stores (or key and trust managers), which every connection
 * it makes uses instead of the JVM's {@code javax.net.ssl.*} stores:
 *
 * <pre>{@code
 * ActiveMQClassicConfig.custom()
 *         .url("ssl://activemq.internal:61617")
 *         .trustStore(Path.of("/etc/keel/ca.p12"), "PKCS12", trustStorePassword)
 *         .keyStore(Path.of("/etc/keel/client.p12"), "PKCS12", keyStorePassword) // when the broker asks for one
 *         .credentials("app", secret)
 *         .build();
 * }</pre>
 *
 * Host name verification is on (ActiveMQ Classic's default for {@code ssl://}): connect by a name or address the
 * broker's certificate lists. The URL's {@code socket.verifyHostName=false} turns it off; do not.
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

    /** The {@code jms.*} parameters the client's connection factory could not set, as its refusal lists them. */
    private static final Pattern UNKNOWN_JMS = Pattern.compile("Unknown parameters=\\[\\{(.*)\\}\\]");
    /** A {@code jms.*} parameter's name left in the factory's URL: one it did not take. */
    private static final Pattern JMS_NAME = Pattern.compile("[?&(,]\\s*(jms\\.[^=&,()]*)");
    /** Each transport of a URL, also inside {@code failover:(...)}: {@code tcp}, {@code ssl}, {@code nio+ssl}... */
    private static final Pattern TRANSPORT = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://");

    private final String url;
    private final String username;
    private final String password;
    private final int sendLanes;
    private final int maxMessageBytes;
    private final int prefetch;
    private final boolean prioritizedQueues;
    private final Duration closeTimeout;
    private final Duration sendTimeout;
    private final Store trustStore;
    private final Store keyStore;
    private final List<KeyManager> keyManagers;
    private final List<TrustManager> trustManagers;

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
        this.trustStore = b.trustStore;
        this.keyStore = b.keyStore;
        this.keyManagers = b.keyManagers;
        this.trustManagers = b.trustManagers;
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
        b.trustStore = base.trustStore;
        b.keyStore = base.keyStore;
        b.keyManagers = base.keyManagers;
        b.trustManagers = base.trustManagers;
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

    /** The adapter's own trust store: the CAs whose broker certificates it accepts, instead of the JVM's. */
    public Optional<Store> trustStore() {
        return Optional.ofNullable(trustStore);
    }

    /** The adapter's own key store: its client certificate and key, for a broker that asks for one. */
    public Optional<Store> keyStore() {
        return Optional.ofNullable(keyStore);
    }

    /** Key managers given with {@link Builder#tlsManagers}, as given. */
    public Optional<List<KeyManager>> keyManagers() {
        return Optional.ofNullable(keyManagers);
    }

    /** Trust managers given with {@link Builder#tlsManagers}, as given. */
    public Optional<List<TrustManager>> trustManagers() {
        return Optional.ofNullable(trustManagers);
    }

    /** A trust or key store file: its path, its type ({@code PKCS12}, {@code JKS}) and its password (masked). */
    public static final class Store {
        private final Path path;
        private final String type;
        private final String password;

        private Store(Path path, String type, String password) {
            this.path = path;
            this.type = type;
            this.password = password;
        }

        public Path path() {
            return path;
        }

        public String type() {
            return type;
        }

        /** Not shown by {@link #toString()}. */
        public String password() {
            return password;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Store other && other.path.equals(path) && other.type.equals(type)
                    && other.password.equals(password);
        }

        @Override
        public int hashCode() {
            return Objects.hash(path, type, password);
        }

        /** The path and the type; the password masked. */
        @Override
        public String toString() {
            return path + " (" + type + ", password ****)";
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActiveMQClassicConfig c && c.url.equals(url) && Objects.equals(c.username, username)
                && Objects.equals(c.password, password) && c.sendLanes == sendLanes
                && c.maxMessageBytes == maxMessageBytes && c.prefetch == prefetch
                && c.prioritizedQueues == prioritizedQueues && c.closeTimeout.equals(closeTimeout)
                && c.sendTimeout.equals(sendTimeout) && Objects.equals(c.trustStore, trustStore)
                && Objects.equals(c.keyStore, keyStore) && Objects.equals(c.keyManagers, keyManagers)
                && Objects.equals(c.trustManagers, trustManagers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(url, username, password, sendLanes, maxMessageBytes, prefetch, prioritizedQueues,
                closeTimeout, sendTimeout, trustStore, keyStore, keyManagers, trustManagers);
    }

    /**
     * Never shows the password, the stores' passwords, nor any value of the URL's query parameters: a password under
     * a misspelled or look-alike name is no password parameter, yet a password ({@link UrlPasswords#maskValues}).
     */
    @Override
    public String toString() {
        return "ActiveMQClassicConfig{url=" + UrlPasswords.maskValues(url) + ", username="
                + username + ", password=" + (password == null ? "none" : "****") + ", sendLanes=" + sendLanes
                + ", maxMessageBytes=" + maxMessageBytes + ", prefetch=" + prefetch + ", prioritizedQueues="
                + prioritizedQueues + ", closeTimeout=" + closeTimeout + ", sendTimeout=" + sendTimeout
                + ", trustStore=" + (trustStore == null ? "none" : trustStore) + ", keyStore="
                + (keyStore == null ? "none" : keyStore) + ", keyManagers=" + (keyManagers == null ? "none" : "given")
                + ", trustManagers=" + (trustManagers == null ? "none" : "given") + "}";
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
        private Store trustStore;
        private Store keyStore;
        private List<KeyManager> keyManagers;
        private List<TrustManager> trustManagers;

        private Builder() {
        }

        /**
         * {@code tcp://host:port} (or {@code ssl://}), with the client's URL parameters after {@code ?} if needed. A
         * {@code failover:(tcp://a:61616,tcp://b:61616)} URL (a primary and its standby) must say
         * {@code maxReconnectAttempts=0}: Keel reconnects by itself, through the list, and a failover transport that
         * reconnected on its own would hide the lost connection from it (a send would wait instead of failing, a member
         * would not give back what it held). A URL holding a password is refused: user info, or a parameter whose name
         * holds {@code password} as the client reads it, percent-decoded ({@code jms.passwor%64=} too); the message names
         * the parameter and does not quote the URL.
         */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            Optional<String> secret = UrlPasswords.find(url).or(() -> UrlPasswords.holdsUserInfo(url)
                    ? Optional.of("user info before a host") : Optional.empty());
            if (secret.isPresent()) {
                throw new IllegalArgumentException("url must not hold a password (" + secret.get()
                        + "): the ActiveMQ client shows its URL in its own logs and errors when a connection fails. "
                        + "Give the user and password with credentials(user, password), and the TLS stores with "
                        + "trustStore(...) and keyStore(...). Names count percent-decoded, as the client reads them; "
                        + "the url is not quoted, so that no part of the password is");
            }
            if (url.isBlank() || url.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("url must be an ActiveMQ Classic URL such as " + DEFAULT_URL
                        + ", without spaces; was '" + UrlPasswords.maskValues(url) + "'");
            }
            if (url.regionMatches(true, 0, "failover:", 0, "failover:".length())
                    && !url.contains("maxReconnectAttempts=0")) {
                throw new IllegalArgumentException("a failover: url must set maxReconnectAttempts=0: Keel reconnects by "
                        + "itself, through the list, and a failover transport that reconnects on its own would hide a "
                        + "lost connection from it (docs/activemq.md, \"High availability\"); was '"
                        + UrlPasswords.maskValues(url) + "'");
            }
            requireAcceptedParameters(url);
            this.url = url;
            return this;
        }

        /**
         * The client's connection factory takes the URL's {@code jms.*} parameters as its own properties; one it has
         * no property for (misspelled: {@code jms.pasword=}) it refuses with an {@link IllegalArgumentException} that
         * quotes the value ({@code Unknown parameters=[{pasword=...}]}), or, when it set none of them, leaves in the
         * URL for the transport, which refuses it at the connection quoting the value again ({@code Invalid connect
         * parameters: {...}}). Refused here, by name only: the value may be a password under a wrong name.
         */
        private static void requireAcceptedParameters(String url) {
            java.util.Set<String> refused = new LinkedHashSet<>();
            String left;
            try {
                left = new ActiveMQConnectionFactory(url).getBrokerURL();
            } catch (IllegalArgumentException e) {
                Matcher unknown = UNKNOWN_JMS.matcher(String.valueOf(e.getMessage()));
                if (!unknown.find()) {
                    throw new IllegalArgumentException("url is not a URL ActiveMQ Classic's client reads (" + e.getClass()
                            .getSimpleName() + "); the url and the client's message are not quoted, so that no "
                            + "part of a password is: check its syntax, e.g. " + DEFAULT_URL + "?jms.prefetchPolicy.all=10"
                            + "; was '" + UrlPasswords.maskValues(url) + "'");
                }
                for (String pair : unknown.group(1).split(", ")) {
                    if (pair.indexOf('=') > 0) {
                        refused.add("jms." + pair.substring(0, pair.indexOf('=')));
                    }
                }
                left = "";
            }
            List<String> forms = UrlPasswords.decodedForms(left);
            Matcher name = JMS_NAME.matcher(forms.get(forms.size() - 1));
            while (name.find()) {
                refused.add(name.group(1).strip());
            }
            if (!refused.isEmpty()) {
                throw new IllegalArgumentException("url has parameters ActiveMQ Classic's client does not accept: "
                        + refused + " (its jms.* parameters are its connection factory's properties, such as "
                        + "jms.userName or jms.prefetchPolicy.all: check the spelling). The url is wrong, not the "
                        + "broker; their values are not shown, so that no part of a password under a wrong name is. "
                        + "Give the password with credentials(user, password)");
            }
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

        /**
         * The adapter's own trust store (the CAs whose broker certificates it accepts) instead of the JVM's
         * {@code javax.net.ssl.trustStore}; for an {@code ssl://} URL. Checked at {@link #build()}: the file must
         * exist and read as {@code type} ({@code PKCS12} or {@code JKS}) with {@code password}. The password is not
         * shown by {@link #toString()}.
         */
        public Builder trustStore(Path path, String type, String password) {
            this.trustStore = store("trustStore", path, type, password);
            return this;
        }

        /**
         * The adapter's own key store (its client certificate and key, for a broker with {@code needClientAuth})
         * instead of the JVM's {@code javax.net.ssl.keyStore}; the key's password is the store's. Checked at
         * {@link #build()} as {@link #trustStore}. Without a trust store the adapter trusts the JVM's default CAs.
         */
        public Builder keyStore(Path path, String type, String password) {
            this.keyStore = store("keyStore", path, type, password);
            return this;
        }

        /**
         * Key and trust managers made by the application (an {@code SSLContext}'s parts, from a vault, say) instead
         * of store files; either may be null: no client certificate, or the JVM's default trust. Not with
         * {@link #trustStore} or {@link #keyStore}. The arrays are copied.
         */
        public Builder tlsManagers(KeyManager[] keyManagers, TrustManager[] trustManagers) {
            if ((keyManagers == null || keyManagers.length == 0)
                    && (trustManagers == null || trustManagers.length == 0)) {
                throw new IllegalArgumentException("tlsManagers needs key managers, trust managers or both (an empty "
                        + "array would trust no broker, or present no certificate): give at least one");
            }
            if (trustManagers != null && trustManagers.length == 0) {
                throw new IllegalArgumentException("tlsManagers: an empty trust manager array would trust no broker; "
                        + "give null for the JVM's default trust");
            }
            this.keyManagers = keyManagers == null ? null : List.copyOf(Arrays.asList(keyManagers));
            this.trustManagers = trustManagers == null ? null : List.copyOf(Arrays.asList(trustManagers));
            return this;
        }

        private static Store store(String what, Path path, String type, String password) {
            Objects.requireNonNull(path, what + " path");
            Objects.requireNonNull(type, what + " type");
            Objects.requireNonNull(password, what + " password");
            if (type.isBlank()) {
                throw new IllegalArgumentException(what + " type must be a key store type such as PKCS12 or JKS");
            }
            return new Store(path, type, password);
        }

        /**
         * The config; an {@link IllegalArgumentException} when a store's file does not exist or cannot be read with its
         * type and password, when stores and managers are both given, or when TLS material comes with a URL that does
         * not speak TLS everywhere.
         */
        public ActiveMQClassicConfig build() {
            boolean stores = trustStore != null || keyStore != null;
            boolean managers = keyManagers != null || trustManagers != null;
            if (stores && managers) {
                throw new IllegalArgumentException("give either trust and key stores (trustStore, keyStore) or "
                        + "tlsManagers, not both");
            }
            if (stores || managers) {
                requireTlsUrl(stores ? "trustStore and keyStore apply" : "tlsManagers apply");
            }
            if (trustStore != null) {
                ClassicTls.read("trustStore", trustStore.path, trustStore.type, trustStore.password);
            }
            if (keyStore != null) {
                ClassicTls.read("keyStore", keyStore.path, keyStore.type, keyStore.password);
            }
            return new ActiveMQClassicConfig(this);
        }

        private void requireTlsUrl(String what) {
            Matcher transport = TRANSPORT.matcher(url);
            boolean any = false;
            while (transport.find()) {
                any = true;
                if (!transport.group(1).toLowerCase(Locale.ROOT).endsWith("ssl")) {
                    throw new IllegalArgumentException(what + " only to TLS connections, and the url has a "
                            + transport.group(1) + ":// server: use ssl://host:port (the broker's TLS connector, "
                            + "61617 by convention) for every server, or remove the TLS settings; was '"
                            + UrlPasswords.maskValues(url) + "'");
                }
            }
            if (!any) {
                throw new IllegalArgumentException(what + " only to TLS connections: use an ssl://host:port url; was '"
                        + UrlPasswords.maskValues(url) + "'");
            }
        }
    }
}
