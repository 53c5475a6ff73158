package dev.keel.spring.boot.autoconfigure;

import dev.keel.PublisherConfig;
import dev.keel.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Keel's settings under {@code keel.*}. Secrets (passwords, credentials in URIs, Kafka client
 * properties holding credentials) are masked in {@code /actuator/configprops} and never logged;
 * this class has no {@code toString} of its own for that reason.
 */
@ConfigurationProperties("keel")
public class KeelProperties {

    /**
     * What stands for a masked value in the starter's own output (the values of a broker URL's password parameters,
     * the password in {@link KeelActiveMQProperties#toString()}): the same as Spring Boot's actuator shows.
     */
    static final String MASK = "******";

    /**
     * The broker adapter to use: kafka, rabbit, rocket, artemis (ActiveMQ Artemis) or activemq (ActiveMQ Classic,
     * whose settings are keel.activemq.*). Required when more than one Keel adapter is on the class path (module
     * sdk-jms with both ActiveMQ clients holds two); otherwise the one present is used.
     */
    private String broker;

    private final Kafka kafka = new Kafka();
    private final Rabbit rabbit = new Rabbit();
    private final Rocket rocket = new Rocket();
    private final Artemis artemis = new Artemis();
    private final Redis redis = new Redis();
    private final Idempotency idempotency = new Idempotency();
    private final Publisher publisher = new Publisher();
    /** Topics declared at startup, before any listener subscribes, by name. */
    private final Map<String, Topic> topics = new LinkedHashMap<>();
    private final Listener listener = new Listener();
    /** Per-listener settings, by listener id; they override the listener's annotation and the defaults. */
    private final Map<String, ListenerSettings> listeners = new LinkedHashMap<>();

    public String getBroker() { return broker; }

    public void setBroker(String broker) { this.broker = broker; }

    public Kafka getKafka() { return kafka; }

    public Rabbit getRabbit() { return rabbit; }

    public Rocket getRocket() { return rocket; }

    public Artemis getArtemis() { return artemis; }

    public Redis getRedis() { return redis; }

    public Idempotency getIdempotency() { return idempotency; }

    public Publisher getPublisher() { return publisher; }

    public Map<String, Topic> getTopics() { return topics; }

    public Listener getListener() { return listener; }

    public Map<String, ListenerSettings> getListeners() { return listeners; }

    /** Kafka adapter settings (module sdk-kafka). */
    public static class Kafka {
        /** Comma-separated host:port pairs of the Kafka brokers. */
        private String bootstrapServers;
        /** The client id prefix of Keel's producer and consumers. */
        private String clientId;
        /**
         * Further kafka-clients properties (security, SASL, SSL...). Values of keys that name
         * credentials (sasl.jaas.config, *password*, *secret*) are masked in the actuator.
         */
        private final Map<String, String> properties = new LinkedHashMap<>();
        /**
         * How soon at the latest a running subscription notices a delay topic that another process
         * created, and starts forwarding its delayed messages (default 5s, at least 100ms).
         */
        private Duration delayTopicCheckInterval;
        /**
         * How long the producer waits to fill a batch (linger.ms; default 5ms). An application that runs the outbox
         * relay on Kafka should set 0: the relay sends a key's next row only once the previous one is confirmed, so
         * it waits the linger out on every row.
         */
        private Duration linger;

        public String getBootstrapServers() { return bootstrapServers; }

        public void setBootstrapServers(String bootstrapServers) { this.bootstrapServers = bootstrapServers; }

        public String getClientId() { return clientId; }

        public void setClientId(String clientId) { this.clientId = clientId; }

        public Map<String, String> getProperties() { return properties; }

        public Duration getDelayTopicCheckInterval() { return delayTopicCheckInterval; }

        public void setDelayTopicCheckInterval(Duration delayTopicCheckInterval) {
            this.delayTopicCheckInterval = delayTopicCheckInterval;
        }

        public Duration getLinger() { return linger; }

        public void setLinger(Duration linger) { this.linger = linger; }
    }

    /** RabbitMQ adapter settings (module sdk-rabbit). */
    public static class Rabbit {
        /** An AMQP URI, amqp[s]://user:password@host:port/vhost; masked in the actuator. */
        private String uri;
        /** The host, when no uri is given. */
        private String host;
        /** The port, when no uri is given. */
        private Integer port;
        /** The virtual host, when no uri is given. */
        private String virtualHost;
        /** The user name; overrides the uri's. */
        private String username;
        /** The password; overrides the uri's. Masked in the actuator. */
        private String password;
        /**
         * The name of a Spring Boot SSL bundle (spring.ssl.bundle.jks.NAME or .pem.NAME) whose trust material, and
         * client certificate if it has one, the connection uses instead of the JVM's default TLS context; turns TLS
         * on. With auth_mechanism=external in the uri, the bundle's certificate logs in.
         */
        private String sslBundle;

        public String getUri() { return uri; }

        public String getSslBundle() { return sslBundle; }

        public void setSslBundle(String sslBundle) { this.sslBundle = sslBundle; }

        public void setUri(String uri) { this.uri = uri; }

        public String getHost() { return host; }

        public void setHost(String host) { this.host = host; }

        public Integer getPort() { return port; }

        public void setPort(Integer port) { this.port = port; }

        public String getVirtualHost() { return virtualHost; }

        public void setVirtualHost(String virtualHost) { this.virtualHost = virtualHost; }

        public String getUsername() { return username; }

        public void setUsername(String username) { this.username = username; }

        public String getPassword() { return password; }

        public void setPassword(String password) { this.password = password; }
    }

    /**
     * ActiveMQ Artemis adapter settings (module sdk-jms). Unset settings keep the adapter's defaults
     * ({@code ArtemisConfig}'s {@code DEFAULT_*} values).
     */
    public static class Artemis {
        /** The broker's URL, tcp://host:61616 (with Artemis's URL parameters after ? if needed). */
        private String url;
        /** The user the broker authenticates (with password). */
        private String user;
        /** The user's password; masked in /actuator/configprops, never logged. */
        private String password;
        /** Publishing sessions; one key always uses the same one (default 4). */
        private Integer sendLanes;
        /** Partitions assumed for a topic whose address exists without a Keel group queue (default 8). */
        private Integer defaultPartitions;
        /** The largest payload sent, in bytes (default 100 MiB). */
        private Integer maxMessageBytes;
        /** How long closing the producer waits for the sends in hand (default 10s). */
        private Duration closeTimeout;

        public String getUrl() { return url; }

        public void setUrl(String url) { this.url = url; }

        public String getUser() { return user; }

        public void setUser(String user) { this.user = user; }

        public String getPassword() { return password; }

        public void setPassword(String password) { this.password = password; }

        public Integer getSendLanes() { return sendLanes; }

        public void setSendLanes(Integer sendLanes) { this.sendLanes = sendLanes; }

        public Integer getDefaultPartitions() { return defaultPartitions; }

        public void setDefaultPartitions(Integer defaultPartitions) { this.defaultPartitions = defaultPartitions; }

        public Integer getMaxMessageBytes() { return maxMessageBytes; }

        public void setMaxMessageBytes(Integer maxMessageBytes) { this.maxMessageBytes = maxMessageBytes; }

        public Duration getCloseTimeout() { return closeTimeout; }

        public void setCloseTimeout(Duration closeTimeout) { this.closeTimeout = closeTimeout; }
    }

    /**
     * RocketMQ adapter settings (module sdk-rocket). Unset settings keep the adapter's defaults
     * ({@code RocketConfig}'s {@code DEFAULT_*} values).
     */
    public static class Rocket {
        /** host:port of the RocketMQ name server(s), separated by semicolons. */
        private String nameServer;
        /** The prefix of the producer group, client instance names and thread names (default keel). */
        private String clientId;
        /** How long a publish may take, in-place resends included (default 10s). */
        private Duration sendTimeout;
        /** Bound of each topology request, and of waiting until the name server routes a new topic (default 10s). */
        private Duration adminTimeout;
        /** Longest block of one consumer poll: bounds how fast pause, resume and close act (default 100ms). */
        private Duration pollTimeout;
        /** How often acknowledged offsets are written to the broker (default 500ms). */
        private Duration commitInterval;
        /** How often a consumer rebalances on its own (default 20s); lower notices group changes sooner. */
        private Duration rebalanceInterval;
        /** Bound of closing the adapter: pending publishes, final commits (default 10s). */
        private Duration closeTimeout;
        /** The most messages sent to one queue in one request (default 128). */
        private Integer maxBatchMessages;
        /** The largest body accepted, in bytes: the brokers' maxMessageSize (default 4 MiB). */
        private Integer maxMessageBytes;
        /** The ACL access key (the broker's user name) requests are signed as; with secret-key. Masked in actuator. */
        private String accessKey;
        /** The ACL secret key (the user's password) requests are signed with; never logged, masked in actuator. */
        private String secretKey;
        /**
         * TLS to the name servers and brokers: a PEM file of the CA certificates to trust (rocketmq-client checks the
         * chain, not the host name; its TLS settings are JVM-wide, see docs/rocketmq.md). Unset: no TLS.
         */
        private String tlsTrustedCertificates;
        /** The client certificate (a PEM file, with its chain) for a server that asks for one; with tls-client-key. */
        private String tlsClientCertificate;
        /** The client certificate's PKCS#8 private key (a PEM file); with tls-client-certificate. */
        private String tlsClientKey;
        /** The password of an encrypted tls-client-key; never logged, masked in actuator. */
        private String tlsClientKeyPassword;

        public String getTlsTrustedCertificates() { return tlsTrustedCertificates; }

        public void setTlsTrustedCertificates(String tlsTrustedCertificates) {
            this.tlsTrustedCertificates = tlsTrustedCertificates;
        }

        public String getTlsClientCertificate() { return tlsClientCertificate; }

        public void setTlsClientCertificate(String tlsClientCertificate) {
            this.tlsClientCertificate = tlsClientCertificate;
        }

        public String getTlsClientKey() { return tlsClientKey; }

        public void setTlsClientKey(String tlsClientKey) { this.tlsClientKey = tlsClientKey; }

        public String getTlsClientKeyPassword() { return tlsClientKeyPassword; }

        public void setTlsClientKeyPassword(String tlsClientKeyPassword) {
            this.tlsClientKeyPassword = tlsClientKeyPassword;
        }

        public String getAccessKey() { return accessKey; }

        public void setAccessKey(String accessKey) { this.accessKey = accessKey; }

        public String getSecretKey() { return secretKey; }

        public void setSecretKey(String secretKey) { this.secretKey = secretKey; }

        public String getNameServer() { return nameServer; }

        public void setNameServer(String nameServer) { this.nameServer = nameServer; }

        public String getClientId() { return clientId; }

        public void setClientId(String clientId) { this.clientId = clientId; }

        public Duration getSendTimeout() { return sendTimeout; }

        public void setSendTimeout(Duration sendTimeout) { this.sendTimeout = sendTimeout; }

        public Duration getAdminTimeout() { return adminTimeout; }

        public void setAdminTimeout(Duration adminTimeout) { this.adminTimeout = adminTimeout; }

        public Duration getPollTimeout() { return pollTimeout; }

        public void setPollTimeout(Duration pollTimeout) { this.pollTimeout = pollTimeout; }

        public Duration getCommitInterval() { return commitInterval; }

        public void setCommitInterval(Duration commitInterval) { this.commitInterval = commitInterval; }

        public Duration getRebalanceInterval() { return rebalanceInterval; }

        public void setRebalanceInterval(Duration rebalanceInterval) { this.rebalanceInterval = rebalanceInterval; }

        public Duration getCloseTimeout() { return closeTimeout; }

        public void setCloseTimeout(Duration closeTimeout) { this.closeTimeout = closeTimeout; }

        public Integer getMaxBatchMessages() { return maxBatchMessages; }

        public void setMaxBatchMessages(Integer maxBatchMessages) { this.maxBatchMessages = maxBatchMessages; }

        public Integer getMaxMessageBytes() { return maxMessageBytes; }

        public void setMaxMessageBytes(Integer maxMessageBytes) { this.maxMessageBytes = maxMessageBytes; }
    }

    /** The Redis idempotency store (module sdk-dedup-redis); set uri or host to use it. */
    public static class Redis {
        /** redis[s]://[[user]:password@]host[:port][/database]; masked in the actuator. */
        private String uri;
        /** The host, when no uri is given. */
        private String host;
        /** The port, when no uri is given. */
        private Integer port;
        /** The ACL user; overrides the uri's. */
        private String username;
        /** The password; overrides the uri's. Masked in the actuator. */
        private String password;
        /** The prefix of every key the store writes. */
        private String keyPrefix;

        public String getUri() { return uri; }

        public void setUri(String uri) { this.uri = uri; }

        public String getHost() { return host; }

        public void setHost(String host) { this.host = host; }

        public Integer getPort() { return port; }

        public void setPort(Integer port) { this.port = port; }

        public String getUsername() { return username; }

        public void setUsername(String username) { this.username = username; }

        public String getPassword() { return password; }

        public void setPassword(String password) { this.password = password; }

        public String getKeyPrefix() { return keyPrefix; }

        public void setKeyPrefix(String keyPrefix) { this.keyPrefix = keyPrefix; }
    }

    /** How EFFECTIVELY_ONCE listeners remember message ids. */
    public static class Idempotency {
        /**
         * The store: redis (the default when keel.redis.uri or keel.redis.host is set), in-memory
         * (one process only: other instances would run each duplicate again) or none (no listener
         * uses EFFECTIVELY_ONCE). Unset and no store: startup fails, so the choice is made on purpose.
         */
        private StoreType store;

        public StoreType getStore() { return store; }

        public void setStore(StoreType store) { this.store = store; }
    }

    /** The idempotency store choices of {@code keel.idempotency.store}. */
    public enum StoreType {
        /** The Redis store, shared by every instance. */
        REDIS,
        /** A store in this process's memory: for a service that runs as a single instance only. */
        IN_MEMORY,
        /** No store: EFFECTIVELY_ONCE listeners fail to start. */
        NONE,
        /** The JDBC inbox on the application's DataSource (module sdk-outbox-jdbc). */
        JDBC
    }

    /** The shared publisher's settings. */
    public static class Publisher {
        /** Publishes in flight at most; a further publish waits for room up to the timeout. */
        private int maxInFlight = PublisherConfig.DEFAULT_MAX_IN_FLIGHT;
        /** How long a publish may wait for room and then for its confirmation. */
        private Duration timeout = PublisherConfig.DEFAULT_TIMEOUT;
        /** Attempts of a publish, the first included (1 = no retry). */
        private int maxAttempts = PublisherConfig.DEFAULT_MAX_ATTEMPTS;
        /** The first backoff between attempts, doubled at each retry. */
        private Duration retryBackoff = PublisherConfig.DEFAULT_RETRY_BACKOFF;
        /** Percentage of failed publishes that opens the circuit breaker. */
        private float failureRateThreshold = PublisherConfig.DEFAULT_FAILURE_RATE_THRESHOLD;
        /** Publishes the breaker sees before it computes a failure rate. */
        private int minimumCalls = PublisherConfig.DEFAULT_MINIMUM_CALLS;
        /** How long the open breaker fails publishes fast before it lets trial publishes through. */
        private Duration openDuration = PublisherConfig.DEFAULT_OPEN_DURATION;
        /** Send a key's next publish only once its previous one was confirmed (keeps order across retries). */
        private boolean sequentialPerKey = PublisherConfig.DEFAULT_SEQUENTIAL_PER_KEY;

        public int getMaxInFlight() { return maxInFlight; }

        public void setMaxInFlight(int maxInFlight) { this.maxInFlight = maxInFlight; }

        public Duration getTimeout() { return timeout; }

        public void setTimeout(Duration timeout) { this.timeout = timeout; }

        public int getMaxAttempts() { return maxAttempts; }

        public void setMaxAttempts(int maxAttempts) { this.maxAttempts = maxAttempts; }

        public Duration getRetryBackoff() { return retryBackoff; }

        public void setRetryBackoff(Duration retryBackoff) { this.retryBackoff = retryBackoff; }

        public float getFailureRateThreshold() { return failureRateThreshold; }

        public void setFailureRateThreshold(float failureRateThreshold) {
            this.failureRateThreshold = failureRateThreshold;
        }

        public int getMinimumCalls() { return minimumCalls; }

        public void setMinimumCalls(int minimumCalls) { this.minimumCalls = minimumCalls; }

        public Duration getOpenDuration() { return openDuration; }

        public void setOpenDuration(Duration openDuration) { this.openDuration = openDuration; }

        public boolean isSequentialPerKey() { return sequentialPerKey; }

        public void setSequentialPerKey(boolean sequentialPerKey) { this.sequentialPerKey = sequentialPerKey; }

        PublisherConfig toConfig() {
            return PublisherConfig.custom().maxInFlight(maxInFlight).timeout(timeout).maxAttempts(maxAttempts)
                    .retryBackoff(retryBackoff).failureRateThreshold(failureRateThreshold).minimumCalls(minimumCalls)
                    .openDuration(openDuration).sequentialPerKey(sequentialPerKey).build();
        }
    }

    /** A topic declared at startup. */
    public static class Topic {
        /** Partitions (RabbitMQ: lane queues per group). */
        private int partitions = TopicSpec.DEFAULT_PARTITIONS;
        /** Replicas of each partition (Kafka). */
        private int replicationFactor = TopicSpec.DEFAULT_REPLICATION_FACTOR;
        /** Replicas that must confirm a publish (Kafka). */
        private int minInSyncReplicas = TopicSpec.DEFAULT_MIN_IN_SYNC_REPLICAS;
        /** Consumer groups to declare with the topic, besides those of this application's listeners. */
        private List<String> groups = new ArrayList<>();

        public int getPartitions() { return partitions; }

        public void setPartitions(int partitions) { this.partitions = partitions; }

        public int getReplicationFactor() { return replicationFactor; }

        public void setReplicationFactor(int replicationFactor) { this.replicationFactor = replicationFactor; }

        public int getMinInSyncReplicas() { return minInSyncReplicas; }

        public void setMinInSyncReplicas(int minInSyncReplicas) { this.minInSyncReplicas = minInSyncReplicas; }

        public List<String> getGroups() { return groups; }

        public void setGroups(List<String> groups) { this.groups = groups; }
    }

    /** Settings of every listener. */
    public static class Listener {
        /** Settings every listener starts from; its annotation and keel.listeners.&lt;id&gt;.* override them. */
        @NestedConfigurationProperty
        private final ListenerSettings defaults = new ListenerSettings();

        public ListenerSettings getDefaults() { return defaults; }
    }
}
