package dev.keel.rocket;

import dev.keel.rocket.internal.ClientKeys;
import dev.keel.spi.support.UrlPasswords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * An immutable configuration of a {@link RocketAdapter}: where the name server is and Keel's own
 * timeouts and intervals. Build with {@link #custom()} (preset with the {@code DEFAULT_*} values),
 * {@link #from(RocketConfig)} or take {@link #ofDefaults()}; every setter validates at once with an
 * {@link IllegalArgumentException}.
 *
 * <p>Keel fixes what its guarantees rest on and offers no setting for it: the producer's own retries
 * are off (the engine retries with the same id), offsets are committed by Keel only
 * (auto-commit off), a new group starts at the first offset, and every consumer gets its own client
 * instance.
 *
 * <p>On a broker with ACL on (RocketMQ 5.3+ ACL 2.0), {@link Builder#credentials} gives the access key (the user) and
 * secret key every client of the adapter signs its requests with: producers, consumers, the admin client, and what
 * delays, retries, dead letters, transactions and replays use. {@link #toString()} masks the secret key.
 *
 * <p>{@link Builder#tls} turns TLS on for every client of the adapter (rocketmq-client's {@code useTLS}), to the name
 * servers and the brokers, trusting the CA certificates of a PEM file, with {@link Builder#clientCertificate} for a
 * broker that asks for one. rocketmq-client reads its TLS settings from JVM-wide static fields
 * ({@code TlsSystemConfig}, preset from the system properties {@code tls.*}) when a client starts: Keel sets them,
 * holding the lock of {@code TlsSystemConfig.class}, while it starts each of its clients, and puts the previous values
 * back after. So adapters of one JVM may hold different certificates, but a RocketMQ client that other code starts at
 * the same moment without that lock may read Keel's settings; and the system properties {@code tls.*} and the file
 * {@code tls.config.file} are not read for Keel's clients. rocketmq-client checks the server's certificate chain but
 * not the host name it names.
 */
public final class RocketConfig {

    public static final String DEFAULT_NAME_SERVER = "127.0.0.1:9876";
    /** The prefix of the producer group, instance names and Keel's thread names. */
    public static final String DEFAULT_CLIENT_ID = "keel";
    /** How long one send (or one batch of sends to a queue) may take before it fails with a timeout. */
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long an admin request (route, topic, group) may take, and how long a subscription's start
     * waits for its consumer's first assignment of queues.
     */
    public static final Duration DEFAULT_ADMIN_TIMEOUT = Duration.ofSeconds(10);
    /** The longest one consumer poll blocks; bounds how quickly pause, resume and close take effect. */
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(100);
    /** How often acknowledged offsets are written to the broker while consuming. */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(500);
    /**
     * How often a consumer asks its client to rebalance on its own, besides the broker's
     * notification when a member joins or leaves: RocketMQ's own default period.
     */
    public static final Duration DEFAULT_REBALANCE_INTERVAL = Duration.ofSeconds(20);
    /**
     * How long closing a client may take (final commits, leaving the group, pending sends); a consumer's final offset
     * writes get at least 1 s all the same.
     */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /** The most messages sent to one queue in one request (what arrived while the previous was in flight). */
    public static final int DEFAULT_MAX_BATCH_MESSAGES = 128;
    /** The largest body a message may have: RocketMQ's default {@code maxMessageSize}, 4 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
    /** The longest delay of a delayed publish: the broker's default {@code timerMaxDelaySec} (3 days). */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofDays(3);
    /**
     * No check immunity on transactional messages: the broker first checks one back once it is its
     * {@code transactionTimeOut} old (6 s by default) and accepts the producer's outcome whenever it comes.
     */
    public static final Duration DEFAULT_TRANSACTION_CHECK_IMMUNITY = Duration.ZERO;

    private final String nameServer;
    private final String clientId;
    private final Duration sendTimeout;
    private final Duration adminTimeout;
    private final Duration pollTimeout;
    private final Duration commitInterval;
    private final Duration rebalanceInterval;
    private final Duration closeTimeout;
    private final int maxBatchMessages;
    private final int maxMessageBytes;
    private final Duration maxDelay;
    private final Duration transactionCheckImmunity;
    private final String accessKey;
    private final String secretKey;
    private final Path tlsTrustedCertificates;
    private final Path tlsClientCertificate;
    private final Path tlsClientKey;
    private final String tlsClientKeyPassword;

    private RocketConfig(Builder b) {
        this.tlsTrustedCertificates = b.tlsTrustedCertificates;
        this.tlsClientCertificate = b.tlsClientCertificate;
        this.tlsClientKey = b.tlsClientKey;
        this.tlsClientKeyPassword = b.tlsClientKeyPassword;
        this.accessKey = b.accessKey;
        this.secretKey = b.secretKey;
        this.nameServer = b.nameServer;
        this.clientId = b.clientId;
        this.sendTimeout = b.sendTimeout;
        this.adminTimeout = b.adminTimeout;
        this.pollTimeout = b.pollTimeout;
        this.commitInterval = b.commitInterval;
        this.rebalanceInterval = b.rebalanceInterval;
        this.closeTimeout = b.closeTimeout;
        this.maxBatchMessages = b.maxBatchMessages;
        this.maxMessageBytes = b.maxMessageBytes;
        this.maxDelay = b.maxDelay;
        this.transactionCheckImmunity = b.transactionCheckImmunity;
    }

    /** A builder preset with the defaults (the {@code DEFAULT_*} constants of this class). */
    public static Builder custom() {
        return new Builder();
    }

    /** The defaults: a name server on {@value #DEFAULT_NAME_SERVER}. */
    public static RocketConfig ofDefaults() {
        return custom().build();
    }

    /** A builder starting from {@code base}. */
    public static Builder from(RocketConfig base) {
        Objects.requireNonNull(base, "base");
        return custom().nameServer(base.nameServer).clientId(base.clientId).sendTimeout(base.sendTimeout)
                .adminTimeout(base.adminTimeout).pollTimeout(base.pollTimeout).commitInterval(base.commitInterval)
                .rebalanceInterval(base.rebalanceInterval).closeTimeout(base.closeTimeout)
                .maxBatchMessages(base.maxBatchMessages).maxMessageBytes(base.maxMessageBytes)
                .maxDelay(base.maxDelay).transactionCheckImmunity(base.transactionCheckImmunity)
                .credentialsOrNone(base.accessKey, base.secretKey)
                .tlsOrNone(base.tlsTrustedCertificates, base.tlsClientCertificate, base.tlsClientKey,
                        base.tlsClientKeyPassword);
    }

    /** Whether the adapter's clients speak TLS ({@link Builder#tls}). */
    public boolean tls() {
        return tlsTrustedCertificates != null;
    }

    /** The PEM file of the CA certificates the clients trust; present when TLS is on. */
    public java.util.Optional<Path> tlsTrustedCertificates() {
        return java.util.Optional.ofNullable(tlsTrustedCertificates);
    }

    /** The PEM file of the client's certificate (chain); empty when the clients present none. */
    public java.util.Optional<Path> tlsClientCertificate() {
        return java.util.Optional.ofNullable(tlsClientCertificate);
    }

    /** The PEM file of the client's PKCS#8 private key; empty when the clients present no certificate. */
    public java.util.Optional<Path> tlsClientKey() {
        return java.util.Optional.ofNullable(tlsClientKey);
    }

    /** The password of an encrypted client key; empty when it is not encrypted. Never log it. */
    public java.util.Optional<String> tlsClientKeyPassword() {
        return java.util.Optional.ofNullable(tlsClientKeyPassword);
    }

    /** The access key (user name) requests are signed as; empty when no credentials are set. */
    public java.util.Optional<String> accessKey() {
        return java.util.Optional.ofNullable(accessKey);
    }

    /**
     * The secret key requests are signed with; empty when no credentials are set. Never log it: {@link #toString()}
     * masks it.
     */
    public java.util.Optional<String> secretKey() {
        return java.util.Optional.ofNullable(secretKey);
    }

    /** The name server address list, {@code host:port[;host:port...]}. */
    public String nameServer() {
        return nameServer;
    }

    /** The prefix of the producer group, client instance names and thread names. */
    public String clientId() {
        return clientId;
    }

    public Duration sendTimeout() {
        return sendTimeout;
    }

    /** The bound of each admin request, and of a subscription's wait for its first queues (see the default). */
    public Duration adminTimeout() {
        return adminTimeout;
    }

    public Duration pollTimeout() {
        return pollTimeout;
    }

    public Duration commitInterval() {
        return commitInterval;
    }

    /** How often a consumer triggers a rebalance of its own (RocketMQ's default period unless set lower). */
    public Duration rebalanceInterval() {
        return rebalanceInterval;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public int maxBatchMessages() {
        return maxBatchMessages;
    }

    /** The largest message body accepted; must not exceed the broker's {@code maxMessageSize}. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** The longest delay a delayed publish may ask for; set it to the broker's {@code timerMaxDelaySec}. */
    public Duration maxDelay() {
        return maxDelay;
    }

    /**
     * The check immunity of transactional messages ({@code CHECK_IMMUNITY_TIME_IN_SECONDS}), in whole seconds;
     * zero when not set (see {@link Builder#transactionCheckImmunity}).
     */
    public Duration transactionCheckImmunity() {
        return transactionCheckImmunity;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RocketConfig c && c.nameServer.equals(nameServer) && c.clientId.equals(clientId)
                && c.sendTimeout.equals(sendTimeout) && c.adminTimeout.equals(adminTimeout)
                && c.pollTimeout.equals(pollTimeout) && c.commitInterval.equals(commitInterval)
                && c.rebalanceInterval.equals(rebalanceInterval) && c.closeTimeout.equals(closeTimeout)
                && c.maxBatchMessages == maxBatchMessages && c.maxMessageBytes == maxMessageBytes
                && c.maxDelay.equals(maxDelay) && c.transactionCheckImmunity.equals(transactionCheckImmunity)
                && Objects.equals(c.accessKey, accessKey) && Objects.equals(c.secretKey, secretKey)
                && Objects.equals(c.tlsTrustedCertificates, tlsTrustedCertificates)
                && Objects.equals(c.tlsClientCertificate, tlsClientCertificate)
                && Objects.equals(c.tlsClientKey, tlsClientKey)
                && Objects.equals(c.tlsClientKeyPassword, tlsClientKeyPassword);
    }

    @Override
    public int hashCode() {
        return Objects.hash(nameServer, clientId, sendTimeout, adminTimeout, pollTimeout, commitInterval,
                rebalanceInterval, closeTimeout, maxBatchMessages, maxMessageBytes, maxDelay, transactionCheckImmunity,
                accessKey, secretKey, tlsTrustedCertificates, tlsClientCertificate, tlsClientKey, tlsClientKeyPassword);
    }

    @Override
    public String toString() {
        return "RocketConfig{nameServer=" + nameServer + ", clientId=" + clientId + ", sendTimeout=" + sendTimeout
                + ", adminTimeout=" + adminTimeout + ", pollTimeout=" + pollTimeout + ", commitInterval="
                + commitInterval + ", rebalanceInterval=" + rebalanceInterval + ", closeTimeout=" + closeTimeout
                + ", maxBatchMessages=" + maxBatchMessages + ", maxMessageBytes=" + maxMessageBytes + ", maxDelay="
                + maxDelay + ", transactionCheckImmunity=" + transactionCheckImmunity
                + (accessKey == null ? "" : ", accessKey=" + accessKey + ", secretKey=****")
                + (tlsTrustedCertificates == null ? "" : ", tls=on, tlsTrustedCertificates=" + tlsTrustedCertificates)
                + (tlsClientCertificate == null ? "" : ", tlsClientCertificate=" + tlsClientCertificate
                        + ", tlsClientKey=" + tlsClientKey)
                + (tlsClientKeyPassword == null ? "" : ", tlsClientKeyPassword=****") + "}";
    }

    /** Builds a {@link RocketConfig}; each setter checks its value at once. */
    public static final class Builder {
        private String nameServer = DEFAULT_NAME_SERVER;
        private String clientId = DEFAULT_CLIENT_ID;
        private Duration sendTimeout = DEFAULT_SEND_TIMEOUT;
        private Duration adminTimeout = DEFAULT_ADMIN_TIMEOUT;
        private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
        private Duration commitInterval = DEFAULT_COMMIT_INTERVAL;
        private Duration rebalanceInterval = DEFAULT_REBALANCE_INTERVAL;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private int maxBatchMessages = DEFAULT_MAX_BATCH_MESSAGES;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private Duration maxDelay = DEFAULT_MAX_DELAY;
        private Duration transactionCheckImmunity = DEFAULT_TRANSACTION_CHECK_IMMUNITY;
        private String accessKey;
        private String secretKey;
        private Path tlsTrustedCertificates;
        private Path tlsClientCertificate;
        private Path tlsClientKey;
        private String tlsClientKeyPassword;

        private Builder() {
        }

        /**
         * TLS for every client of the adapter, to the name servers and the brokers (which must speak it:
         * {@code tls.server.mode=enforcing} or {@code permissive}), trusting the CA certificates in
         * {@code trustedCertificates}, a readable PEM file. rocketmq-client checks the chain of the server's
         * certificate, not the host name it names. Read when each client starts, JVM-wide: see the class comment.
         *
         * <p>The file is read at once, as rocketmq-client reads it when a client starts: one that is missing, not a
         * readable file, or holds no PEM X.509 certificate ({@code -----BEGIN CERTIFICATE-----}; e.g. empty, a key)
         * is an {@link IllegalArgumentException} naming the file and this setting.
         */
        public Builder tls(Path trustedCertificates) {
            Path file = readable("RocketConfig tls(trustedCertificates): ", "trustedCertificates", trustedCertificates);
            ClientKeys.trusted(file);
            this.tlsTrustedCertificates = file;
            return this;
        }

        /**
         * The certificate the clients present over TLS, for a server that asks for one
         * ({@code tls.server.need.client.auth=require}): {@code certificate}, a PEM file of the certificate (and its
         * chain), and {@code key}, a PEM file of its PKCS#8 private key, encrypted with {@code keyPassword} or not
         * encrypted ({@code keyPassword} null). Needs {@link #tls}. {@link RocketConfig#toString()} masks the password.
         *
         * <p>Both files are read at once, as rocketmq-client reads them when a client starts: a key it could not read
         * (not PKCS#8, such as {@code BEGIN EC PRIVATE KEY} or {@code BEGIN RSA PRIVATE KEY}; encrypted without a
         * password or with a wrong one; not encrypted but given a password) or that is not the key of the first
         * certificate of {@code certificate} is an {@link IllegalArgumentException} naming the files and what to do,
         * never the password.
         */
        public Builder clientCertificate(Path certificate, Path key, String keyPassword) {
            Path certificateFile = readable("certificate", certificate);
            Path keyFile = readable("key", key);
            if (keyPassword != null && keyPassword.isEmpty()) {
                throw new IllegalArgumentException("keyPassword must be null (a key not encrypted) or not empty");
            }
            ClientKeys.read(certificateFile, keyFile, keyPassword);
            this.tlsClientCertificate = certificateFile;
            this.tlsClientKey = keyFile;
            this.tlsClientKeyPassword = keyPassword;
            return this;
        }

        /** No TLS (the default), and no client certificate. */
        public Builder noTls() {
            this.tlsTrustedCertificates = null;
            this.tlsClientCertificate = null;
            this.tlsClientKey = null;
            this.tlsClientKeyPassword = null;
            return this;
        }

        private Builder tlsOrNone(Path trusted, Path certificate, Path key, String keyPassword) {
            noTls();
            if (trusted != null) {
                tls(trusted);
            }
            if (certificate != null) {
                clientCertificate(certificate, key, keyPassword);
            }
            return this;
        }

        private static Path readable(String name, Path file) {
            return readable("", name, file);
        }

        private static Path readable(String setting, String name, Path file) {
            Objects.requireNonNull(file, name);
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new IllegalArgumentException(setting + name + " must be a readable PEM file, was " + file
                        + (Files.isDirectory(file) ? " (a directory)" : Files.exists(file) ? "" : " (no such file)"));
            }
            return file.toAbsolutePath();
        }

        /**
         * The ACL credentials every client of the adapter signs its requests with (rocketmq-client's
         * {@code AclClientRPCHook}): {@code accessKey} is the broker's user name, {@code secretKey} its password. Both
         * non-blank, without leading or trailing spaces or control characters. Without them Keel signs nothing, which a
         * broker with authentication on refuses (an {@link dev.keel.AccessRefusedException}).
         */
        public Builder credentials(String accessKey, String secretKey) {
            Objects.requireNonNull(accessKey, "accessKey");
            Objects.requireNonNull(secretKey, "secretKey");
            String problem = credentialProblem("accessKey", accessKey);
            if (problem == null) {
                problem = credentialProblem("secretKey", secretKey);
            }
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            this.accessKey = accessKey;
            this.secretKey = secretKey;
            return this;
        }

        /** Removes the credentials: requests are not signed. */
        public Builder noCredentials() {
            this.accessKey = null;
            this.secretKey = null;
            return this;
        }

        private Builder credentialsOrNone(String accessKey, String secretKey) {
            return accessKey == null ? noCredentials() : credentials(accessKey, secretKey);
        }

        /** What is wrong with a credential, never quoting it (it may be the secret); null when nothing. */
        private static String credentialProblem(String name, String value) {
            if (value.isBlank()) {
                return name + " must not be blank";
            }
            if (!value.strip().equals(value)) {
                return name + " must not start or end with white space";
            }
            if (value.chars().anyMatch(Character::isISOControl)) {
                return name + " must not contain control characters";
            }
            return null;
        }

        /** The name server list, {@code host:port} separated by {@code ;}, e.g. {@code 127.0.0.1:9876}. */
        public Builder nameServer(String nameServer) {
            Objects.requireNonNull(nameServer, "nameServer");
            if (nameServer.isBlank()) {
                throw new IllegalArgumentException("nameServer must be host:port[;host:port...], was blank");
            }
            UrlPasswords.requireNoUserInfo("nameServer", nameServer, "give the access key and secret key with "
                    + "credentials(accessKey, secretKey)");
            for (String address : nameServer.split(";")) {
                int colon = address.lastIndexOf(':');
                if (colon <= 0 || colon == address.length() - 1) {
                    throw new IllegalArgumentException("nameServer must be host:port[;host:port...], e.g. "
                            + DEFAULT_NAME_SERVER + "; '" + UrlPasswords.maskRefused(address) + "' has no port");
                }
                try {
                    int port = Integer.parseInt(address.substring(colon + 1).trim());
                    if (port < 1 || port > 65535) {
                        throw new IllegalArgumentException("nameServer port must be in [1, 65535], was " + port);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("nameServer must be host:port[;host:port...]; '"
                            + UrlPasswords.maskRefused(address) + "' has a port that is not a number", e);
                }
            }
            this.nameServer = nameServer.trim();
            return this;
        }

        /** Letters, digits, {@code -} and {@code _} only, up to 40 characters (it prefixes group names). */
        public Builder clientId(String clientId) {
            Objects.requireNonNull(clientId, "clientId");
            if (!clientId.matches("[a-zA-Z0-9_-]{1,40}")) {
                throw new IllegalArgumentException("clientId must be 1 to 40 letters, digits, '-' or '_', was '"
                        + clientId + "'");
            }
            this.clientId = clientId;
            return this;
        }

        public Builder sendTimeout(Duration sendTimeout) {
            this.sendTimeout = positive("sendTimeout", sendTimeout);
            return this;
        }

        public Builder adminTimeout(Duration adminTimeout) {
            this.adminTimeout = positive("adminTimeout", adminTimeout);
            return this;
        }

        public Builder pollTimeout(Duration pollTimeout) {
            this.pollTimeout = positive("pollTimeout", pollTimeout);
            return this;
        }

        public Builder commitInterval(Duration commitInterval) {
            this.commitInterval = positive("commitInterval", commitInterval);
            return this;
        }

        /**
         * In [100 ms, {@link #DEFAULT_REBALANCE_INTERVAL}]: shorter than the default makes a consumer notice
         * group changes it missed sooner; the client rebalances every 20 s on its own, so longer is refused.
         */
        public Builder rebalanceInterval(Duration rebalanceInterval) {
            positive("rebalanceInterval", rebalanceInterval);
            if (rebalanceInterval.toMillis() < 100 || rebalanceInterval.compareTo(DEFAULT_REBALANCE_INTERVAL) > 0) {
                throw new IllegalArgumentException("rebalanceInterval must be in [100 ms, "
                        + DEFAULT_REBALANCE_INTERVAL.toSeconds() + " s] (the RocketMQ client rebalances every 20 s on "
                        + "its own, so a longer period cannot be had), was " + rebalanceInterval);
            }
            this.rebalanceInterval = rebalanceInterval;
            return this;
        }

        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = positive("closeTimeout", closeTimeout);
            return this;
        }

        public Builder maxBatchMessages(int maxBatchMessages) {
            if (maxBatchMessages < 1 || maxBatchMessages > 1024) {
                throw new IllegalArgumentException("maxBatchMessages must be in [1, 1024], was " + maxBatchMessages);
            }
            this.maxBatchMessages = maxBatchMessages;
            return this;
        }

        /** In [1, 4 MiB]: RocketMQ brokers refuse larger bodies by default ({@code maxMessageSize}). */
        public Builder maxMessageBytes(int maxMessageBytes) {
            if (maxMessageBytes < 1 || maxMessageBytes > DEFAULT_MAX_MESSAGE_BYTES) {
                throw new IllegalArgumentException("maxMessageBytes must be in [1, " + DEFAULT_MAX_MESSAGE_BYTES
                        + "], was " + maxMessageBytes);
            }
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        /**
         * The longest delay a delayed publish may ask for (longer ones fail with a
         * {@link dev.keel.DelayTooLongException}): the broker's {@code timerMaxDelaySec}, which the
         * broker would otherwise refuse. Positive.
         */
        public Builder maxDelay(Duration maxDelay) {
            Objects.requireNonNull(maxDelay, "maxDelay");
            if (maxDelay.isNegative() || maxDelay.isZero()) {
                throw new IllegalArgumentException("maxDelay must be positive (the broker's timerMaxDelaySec), was "
                        + maxDelay);
            }
            this.maxDelay = maxDelay;
            return this;
        }

        /**
         * How long the broker leaves a transactional message of a {@link TransactionalPublisher} unchecked
         * (RocketMQ's per-message {@code CHECK_IMMUNITY_TIME_IN_SECONDS}, in whole seconds, rounded up): no producer
         * of the group is asked about it before it is this old. Past it, the broker (RocketMQ 5) refuses the
         * producer's own outcome and only a check-back settles the message; the publish then returns the outcome
         * {@link TransactionOutcome#UNKNOWN}. Set it longer than your local transactions take, and shorter than the
         * broker gives up: {@code transactionTimeOut + transactionCheckMax * transactionCheckInterval}. Zero (the
         * default) sends no immunity: the broker's {@code transactionTimeOut} applies and late outcomes are accepted.
         */
        public Builder transactionCheckImmunity(Duration transactionCheckImmunity) {
            Objects.requireNonNull(transactionCheckImmunity, "transactionCheckImmunity");
            if (transactionCheckImmunity.isNegative() || transactionCheckImmunity.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("transactionCheckImmunity must be zero (not set) or positive and at "
                        + "most a day, was " + transactionCheckImmunity);
            }
            long seconds = transactionCheckImmunity.getSeconds() + (transactionCheckImmunity.getNano() > 0 ? 1 : 0);
            this.transactionCheckImmunity = Duration.ofSeconds(seconds);
            return this;
        }

        public RocketConfig build() {
            if (tlsClientCertificate != null && tlsTrustedCertificates == null) {
                throw new IllegalArgumentException("a clientCertificate needs tls(trustedCertificates) too");
            }
            return new RocketConfig(this);
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
