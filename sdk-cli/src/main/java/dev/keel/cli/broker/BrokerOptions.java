package dev.keel.cli.broker;

import dev.keel.cli.DurationConverter;
import dev.keel.cli.EnvironmentException;
import dev.keel.kafka.KafkaConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The broker and store flags shared by {@code verify} and {@code bench}. Endpoint flags of brokers
 * other than the chosen one are ignored.
 */
public final class BrokerOptions {

    /** The longest {@code --kafka-linger}: what Keel's default delivery timeout leaves after its request timeout. */
    static final Duration MAX_KAFKA_LINGER = KafkaConfig.DEFAULT_DELIVERY_TIMEOUT
            .minus(KafkaConfig.DEFAULT_REQUEST_TIMEOUT);

    public static final String DEFAULT_BROKER = "memory";
    public static final String DEFAULT_KAFKA = "127.0.0.1:9092";
    public static final String DEFAULT_RABBIT = "amqp://guest:guest@127.0.0.1:5672/%2F";
    public static final String DEFAULT_NAMESRV = "127.0.0.1:9876";
    public static final String DEFAULT_ARTEMIS = "tcp://127.0.0.1:61616";
    public static final String DEFAULT_ACTIVEMQ = "tcp://127.0.0.1:61616";

    @Option(names = "--broker", paramLabel = "MODE", defaultValue = DEFAULT_BROKER,
            description = "Broker: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE} (embedded, nothing to install).",
            completionCandidates = BrokerModes.Names.class)
    private String broker = DEFAULT_BROKER;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", defaultValue = DEFAULT_KAFKA,
            description = "Kafka bootstrap servers (--broker kafka). Default: ${DEFAULT-VALUE}.")
    private String bootstrapServers = DEFAULT_KAFKA;

    @Option(names = "--rabbit-uri", paramLabel = "URI", defaultValue = DEFAULT_RABBIT,
            description = "RabbitMQ AMQP URI (--broker rabbit). Default: amqp://guest:***@127.0.0.1:5672/%%2F.",
            showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER)
    private String rabbitUri = DEFAULT_RABBIT;

    @Option(names = "--rabbit-addresses", paramLabel = "HOST:PORT[,...]",
            description = "RabbitMQ cluster nodes (--broker rabbit): the client connects to a live one and moves to "
                    + "another when it fails; credentials, vhost and TLS still come from --rabbit-uri. "
                    + "Default: the --rabbit-uri host alone.")
    private String rabbitAddresses;

    @Option(names = "--namesrv", paramLabel = "HOST:PORT", defaultValue = DEFAULT_NAMESRV,
            description = "RocketMQ name server (--broker rocket). Credentials (a broker with ACL on): "
                    + "--rocket-access-key, --rocket-secret-key-env; TLS: --rocket-tls. Default: ${DEFAULT-VALUE}.")
    private String namesrv = DEFAULT_NAMESRV;

    @Option(names = "--rocket-access-key", paramLabel = "KEY",
            description = "The ACL access key (the broker's user) RocketMQ requests are signed as (--broker rocket). "
                    + "Default: none (a broker with ACL off).")
    private String rocketAccessKey;

    @Option(names = "--rocket-secret-key-env", paramLabel = "VAR",
            description = "Name of the environment variable holding the --rocket-access-key's secret key (--broker "
                    + "rocket); never on the command line, never printed.")
    private String rocketSecretKeyEnv;

    @Option(names = "--rocket-tls",
            description = "The RocketMQ name servers and brokers speak TLS (--broker rocket): every client trusts the "
                    + "--truststore (default: the JVM's trust store) and presents the --keystore's certificate, "
                    + "handed to rocketmq-client as PEM files in a private temporary directory deleted at exit.")
    private boolean rocketTls;

    @Option(names = "--artemis-url", paramLabel = "URL", defaultValue = DEFAULT_ARTEMIS,
            description = "ActiveMQ Artemis URL as its client reads it (--broker artemis), e.g. tcp://host:61616, "
                    + "with Artemis's parameters after '?'. Credentials: --artemis-user, --artemis-password-env. "
                    + "Default: ${DEFAULT-VALUE}.")
    private String artemisUrl = DEFAULT_ARTEMIS;

    @Option(names = "--artemis-user", paramLabel = "USER",
            description = "The user ActiveMQ Artemis authenticates (--broker artemis). Default: none (a broker with "
                    + "security off).")
    private String artemisUser;

    @Option(names = "--artemis-password-env", paramLabel = "VAR",
            description = "Name of the environment variable holding the --artemis-user's password (--broker artemis); "
                    + "never on the command line, never printed. Default: none (an empty password).")
    private String artemisPasswordEnv;

    @Option(names = "--activemq-url", paramLabel = "URL", defaultValue = DEFAULT_ACTIVEMQ,
            description = "ActiveMQ Classic URL as its OpenWire client reads it (--broker activemq), e.g. "
                    + "tcp://host:61616, with the client's parameters after '?'. Credentials: --activemq-user, "
                    + "--activemq-password-env. Default: ${DEFAULT-VALUE}.")
    private String activemqUrl = DEFAULT_ACTIVEMQ;

    @Option(names = "--activemq-user", paramLabel = "USER",
            description = "The user ActiveMQ Classic authenticates (--broker activemq). Default: none (a broker "
                    + "without authentication).")
    private String activemqUser;

    @Option(names = "--activemq-password-env", paramLabel = "VAR",
            description = "Name of the environment variable holding the --activemq-user's password (--broker "
                    + "activemq); never on the command line, never printed. Default: none (an empty password).")
    private String activemqPasswordEnv;

    @Option(names = "--redis", paramLabel = "URI",
            description = "Redis idempotency store, e.g. redis://127.0.0.1:6379; a Redis Cluster by its seed nodes, "
                    + "redis://[user:password@]host:port,host:port,... Default: the in-memory store.")
    private String redis;

    @Option(names = "--redis-cluster",
            description = "The --redis URI names a Redis Cluster node (implied when it names several).")
    private boolean redisCluster;

    @Option(names = "--redis-wait-replicas", paramLabel = "N", defaultValue = "0",
            description = "With --redis: every claim and completion waits until N replicas of the Redis master have it "
                    + "(Redis WAIT, 1 s at most; then the consumer retries). Default: ${DEFAULT-VALUE} (off).")
    private int redisWaitReplicas;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "4",
            description = "Partitions (Kafka partitions, RabbitMQ partition queues per group, RocketMQ queues per broker, "
                    + "Artemis message-group buckets, ActiveMQ Classic message groups) of the topics created. "
                    + "Default: ${DEFAULT-VALUE}.")
    private int partitions = 4;

    @Option(names = "--replication-factor", paramLabel = "R", defaultValue = "1",
            description = "Replicas of each partition of the topics created (Kafka replicas, RabbitMQ quorum queue "
                    + "members); 3 on a three-node cluster. Default: ${DEFAULT-VALUE}.")
    private int replicationFactor = 1;

    @Option(names = "--min-insync-replicas", paramLabel = "M", defaultValue = "1",
            description = "Kafka: replicas that must have a message before its publish is confirmed (min.insync."
                    + "replicas of the topics created); 2 with --replication-factor 3. Default: ${DEFAULT-VALUE}.")
    private int minInSyncReplicas = 1;

    @Option(names = "--kafka-linger", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Kafka: how long Keel's producer, and the raw producer it is compared with, waits to fill a "
                    + "batch (linger.ms), e.g. 0ms. A publisher that sends a key's next message only once the previous "
                    + "one is confirmed (an outbox relay, sequentialPerKey) waits it out on every message. At most 10s. "
                    + "Default: Keel's, 5ms.")
    private Duration kafkaLinger;

    @Option(names = "--keep-topics",
            description = "Keep the scratch topics (queues) this run declared on the broker; by default they are deleted.")
    private boolean keepTopics;

    @Mixin
    private TlsOptions tlsOptions = new TlsOptions();

    private TlsSettings tls;

    /** The TLS flags as given. */
    public TlsOptions tlsOptions() {
        return tlsOptions;
    }

    /**
     * What the TLS flags mean, read on the first call (the stores loaded, their passwords taken from the
     * environment); an {@link dev.keel.cli.EnvironmentException} names a flag that is wrong.
     */
    public synchronized TlsSettings tls() {
        if (tls == null) {
            tls = TlsSettings.of(tlsOptions, System::getenv);
        }
        return tls;
    }

    /** For tests and programmatic use: TLS settings made elsewhere (e.g. with another environment). */
    public synchronized BrokerOptions tls(TlsSettings settings) {
        this.tls = java.util.Objects.requireNonNull(settings, "settings");
        return this;
    }

    /**
     * For {@code bench --tls-compare} on Artemis or ActiveMQ Classic: these options with the broker reached at the URL
     * of its TLS acceptor, {@code artemisUrl} and {@code activemqUrl} replacing {@code --artemis-url} and
     * {@code --activemq-url}; every other flag the same.
     */
    public synchronized BrokerOptions atJmsEndpoint(String artemisUrl, String activemqUrl) {
        BrokerOptions copy = atEndpoint(rabbitUri, bootstrapServers, tls());
        copy.artemisUrl = java.util.Objects.requireNonNull(artemisUrl, "artemisUrl");
        copy.activemqUrl = java.util.Objects.requireNonNull(activemqUrl, "activemqUrl");
        return copy;
    }

    /**
     * For {@code bench --tls-compare}: these options with the same broker reached at another endpoint, its TLS
     * listener: {@code rabbitUri} and {@code bootstrapServers} replace {@code --rabbit-uri} and
     * {@code --bootstrap-servers}, and {@code tls} the TLS settings (for Kafka, the TLS listener's properties);
     * every other flag is the same.
     */
    public synchronized BrokerOptions atEndpoint(String rabbitUri, String bootstrapServers, TlsSettings tls) {
        BrokerOptions copy = new BrokerOptions();
        copy.broker = broker;
        copy.bootstrapServers = java.util.Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        copy.rabbitUri = java.util.Objects.requireNonNull(rabbitUri, "rabbitUri");
        copy.rabbitAddresses = rabbitAddresses;
        copy.namesrv = namesrv;
        copy.rocketAccessKey = rocketAccessKey;
        copy.rocketSecretKeyEnv = rocketSecretKeyEnv;
        copy.rocketTls = rocketTls;
        copy.artemisUrl = artemisUrl;
        copy.artemisUser = artemisUser;
        copy.artemisPasswordEnv = artemisPasswordEnv;
        copy.activemqUrl = activemqUrl;
        copy.activemqUser = activemqUser;
        copy.activemqPasswordEnv = activemqPasswordEnv;
        copy.redis = redis;
        copy.redisCluster = redisCluster;
        copy.redisWaitReplicas = redisWaitReplicas;
        copy.partitions = partitions;
        copy.replicationFactor = replicationFactor;
        copy.minInSyncReplicas = minInSyncReplicas;
        copy.keepTopics = keepTopics;
        copy.kafkaLinger = kafkaLinger;
        copy.tlsOptions = tlsOptions;
        copy.tls = java.util.Objects.requireNonNull(tls, "tls");
        return copy;
    }

    public boolean keepTopics() {
        return keepTopics;
    }

    public String broker() {
        return broker;
    }

    /**
     * The linger of Keel's Kafka producer and of the raw producers it is compared with; an
     * {@link dev.keel.cli.EnvironmentException} (exit 2) naming the flag when negative, or longer than Keel's Kafka
     * delivery timeout leaves room for (it must cover the request timeout and the linger).
     */
    public Duration kafkaLinger() {
        if (kafkaLinger == null) {
            return KafkaConfig.DEFAULT_LINGER;
        }
        if (kafkaLinger.isNegative()) {
            throw new EnvironmentException("--kafka-linger must be 0 or more, was " + kafkaLinger);
        }
        if (kafkaLinger.compareTo(MAX_KAFKA_LINGER) <= 0 && kafkaLinger.toNanos() % 1_000_000 != 0) {
            throw new EnvironmentException("--kafka-linger must be whole milliseconds (Kafka's linger.ms), was "
                    + kafkaLinger);
        }
        if (kafkaLinger.compareTo(MAX_KAFKA_LINGER) > 0) {
            throw new EnvironmentException("--kafka-linger must be at most " + MAX_KAFKA_LINGER.toSeconds() + "s (Keel's "
                    + "Kafka delivery timeout, " + KafkaConfig.DEFAULT_DELIVERY_TIMEOUT.toSeconds() + " s, must cover its "
                    + "request timeout, " + KafkaConfig.DEFAULT_REQUEST_TIMEOUT.toSeconds() + " s, and the linger), was "
                    + kafkaLinger);
        }
        return kafkaLinger;
    }

    /**
     * The Kafka bootstrap servers; an {@link dev.keel.cli.EnvironmentException} (exit 2) when they hold user info,
     * which is not shown.
     */
    public String bootstrapServers() {
        return withoutCredentials("--bootstrap-servers", bootstrapServers, "Kafka's credentials go in a "
                + "--kafka-config file (sasl.jaas.config)");
    }

    public String rabbitUri() {
        return rabbitUri;
    }

    /**
     * The RocketMQ name servers; an {@link dev.keel.cli.EnvironmentException} (exit 2) when they hold user info,
     * which is not shown.
     */
    public String namesrv() {
        return withoutCredentials("--namesrv", namesrv, "RocketMQ's credentials go in --rocket-access-key and "
                + "--rocket-secret-key-env (the name of the environment variable holding the secret key)");
    }

    /** The access key of {@code --rocket-access-key}, or {@code null} for none. */
    public String rocketAccessKey() {
        return rocketAccessKey;
    }

    /** The name of the environment variable of {@code --rocket-secret-key-env}, or {@code null}. */
    public String rocketSecretKeyEnv() {
        return rocketSecretKeyEnv;
    }

    /** Whether {@code --rocket-tls} was given: RocketMQ over TLS. */
    public boolean rocketTls() {
        return rocketTls;
    }

    /** The ActiveMQ Artemis URL of {@code --artemis-url}: may hold secrets in its parameters, never print it. */
    public String artemisUrl() {
        return artemisUrl;
    }

    /** The user of {@code --artemis-user}, or {@code null} for none. */
    public String artemisUser() {
        return artemisUser;
    }

    /** The name of the environment variable of {@code --artemis-password-env}, or {@code null}. */
    public String artemisPasswordEnv() {
        return artemisPasswordEnv;
    }

    /** The ActiveMQ Classic URL of {@code --activemq-url}: may hold secrets in its parameters, never print it. */
    public String activemqUrl() {
        return activemqUrl;
    }

    /** The user of {@code --activemq-user}, or {@code null} for none. */
    public String activemqUser() {
        return activemqUser;
    }

    /** The name of the environment variable of {@code --activemq-password-env}, or {@code null}. */
    public String activemqPasswordEnv() {
        return activemqPasswordEnv;
    }

    /**
     * The user and password-variable flags of both ActiveMQ lines and RocketMQ's access key, secret-key variable and
     * {@code --rocket-tls}, for a child JVM's command line: a user and
     * the name of a variable the child inherits, never a password (the URLs, which may hold secrets, are not here).
     */
    public List<String> loginArgs() {
        List<String> args = new ArrayList<>();
        addIfSet(args, "--artemis-user", artemisUser);
        addIfSet(args, "--artemis-password-env", artemisPasswordEnv);
        addIfSet(args, "--activemq-user", activemqUser);
        addIfSet(args, "--activemq-password-env", activemqPasswordEnv);
        addIfSet(args, "--rocket-access-key", rocketAccessKey);
        addIfSet(args, "--rocket-secret-key-env", rocketSecretKeyEnv);
        if (rocketTls) {
            args.add("--rocket-tls");
        }
        return args;
    }

    private static void addIfSet(List<String> args, String flag, String value) {
        if (value != null) {
            args.add(flag);
            args.add(value);
        }
    }

    /** The cluster node addresses of {@code --rabbit-addresses}, or {@code null} for the URI's host alone. */
    public String rabbitAddresses() {
        return withoutCredentials("--rabbit-addresses", rabbitAddresses, "RabbitMQ's credentials go in --rabbit-uri "
                + "(amqp://user:password@host:port/vhost); --rabbit-addresses takes host:port pairs only");
    }

    /**
     * The value of an address flag ({@code host:port[,...]}), refused when it holds user info ({@code something@}
     * before a host): such a value would be printed in the run's header and in its messages. The message does not
     * quote the value, so that no part of a password is shown.
     */
    private static String withoutCredentials(String flag, String value, String whereCredentialsGo) {
        if (value != null && value.indexOf('@') >= 0) {
            throw new dev.keel.cli.EnvironmentException(flag + " holds user info (something@ before a host): "
                    + "credentials do not go in " + flag + ", which takes host:port addresses only. "
                    + whereCredentialsGo + ". The value is not shown, so that no part of a password is");
        }
        return value;
    }

    /** Whether {@code --redis} names a Redis Cluster: {@code --redis-cluster}, or several hosts in the URI. */
    public boolean redisCluster() {
        return redis != null && (redisCluster || RedisTarget.hostCount(redis) > 1);
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    public int minInSyncReplicas() {
        return minInSyncReplicas;
    }

    /**
     * Checks {@code --replication-factor} and {@code --min-insync-replicas} together.
     *
     * @throws IllegalArgumentException saying which flag to change
     */
    public void checkReplication() {
        if (replicationFactor < 1 || replicationFactor > 32) {
            throw new IllegalArgumentException("--replication-factor must be in [1, 32], was " + replicationFactor);
        }
        if (minInSyncReplicas < 1 || minInSyncReplicas > replicationFactor) {
            throw new IllegalArgumentException("--min-insync-replicas must be in [1, --replication-factor="
                    + replicationFactor + "], was " + minInSyncReplicas);
        }
    }

    /** The Redis URI, or {@code null} for the in-memory store. */
    public String redis() {
        return redis;
    }

    /** How many Redis replicas each claim and completion waits for; 0 for none. */
    public int redisWaitReplicas() {
        return redisWaitReplicas;
    }

    public int partitions() {
        return partitions;
    }

    /** For tests and programmatic use. */
    public BrokerOptions broker(String broker) {
        this.broker = broker;
        return this;
    }

    public BrokerOptions redis(String redis) {
        this.redis = redis;
        return this;
    }
}
