package dev.keel.testbrokers.internal.containers;

import dev.keel.testbrokers.ActiveMQEndpoint;
import dev.keel.testbrokers.ArtemisEndpoint;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.ContainerImages;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.RocketEndpoint;
import dev.keel.testbrokers.internal.NoFaultControl;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.Provided;
import dev.keel.testbrokers.internal.Settings;
import dev.keel.testbrokers.internal.local.ActiveMQConfig;
import org.testcontainers.activemq.ActiveMQContainer;
import org.testcontainers.activemq.ArtemisContainer;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;

import java.util.List;

/**
 * The Testcontainers variant of each broker, on the images of {@link ContainerImages} (or those the settings
 * name): Testcontainers' own modules where there is one ({@code KafkaContainer}, {@code RabbitMQContainer},
 * {@code ArtemisContainer}, {@code ActiveMQContainer}), the way users start them. Containers are stopped at the end
 * of the run (and by Ryuk if the JVM dies); fault injection (kill, restart, a fault proxy) is not offered for them,
 * since a restarted container gets new host ports: run with {@code KEEL_BROKERS=local} for fault tests.
 */
public final class ContainerBrokers {
    private static final String NO_FAULTS = "the broker runs in a container; run with KEEL_BROKERS=local for fault tests";
    private static final int ROCKET_NAMESRV_PORT = 9876;
    /** The OpenWire port of the ActiveMQ Classic image. */
    private static final int ACTIVEMQ_PORT = 61616;
    /** {@code ACTIVEMQ_HOME} of the ActiveMQ Classic image. */
    private static final String ACTIVEMQ_HOME = "/opt/apache-activemq";

    private ContainerBrokers() {
    }

    public static Provided start(BrokerKind kind, Settings settings) {
        try {
            switch (kind) {
                case KAFKA: return kafka(settings);
                case RABBIT: return rabbit(settings);
                case REDIS: return redis(settings);
                case ROCKET: return rocket(settings);
                case ARTEMIS: return artemis(settings);
                case ACTIVEMQ: return activemq(settings);
                default: throw new IllegalArgumentException(kind.name());
            }
        } catch (RuntimeException e) {
            if (e instanceof BrokerStartException) {
                throw e;
            }
            throw new BrokerStartException(kind, "the container did not start: " + e.getMessage(), e);
        }
    }

    private static String image(Settings settings, String key, String fallback) {
        return settings.get("keel." + key + ".image").orElse(fallback);
    }

    private static Provided kafka(Settings settings) {
        String image = image(settings, "kafka", ContainerImages.KAFKA);
        // the official image's heap (kafka-server-start.sh's default) is 1 GiB; the local Kafka gets 512 MiB
        KafkaContainer container = new KafkaContainer(image)
                .withEnv("KAFKA_HEAP_OPTS", "-Xms128m -Xmx512m")
                .withStartupTimeout(settings.startTimeout());
        container.start();
        NoFaultControl control = new NoFaultControl(NO_FAULTS, container::stop);
        return new Provided(new KafkaEndpoint(Origin.CONTAINER, container.getBootstrapServers(), control), control, image);
    }

    private static Provided rabbit(Settings settings) {
        String image = image(settings, "rabbit", ContainerImages.RABBITMQ);
        RabbitMQContainer container = new RabbitMQContainer(image).withStartupTimeout(settings.startTimeout());
        container.start();
        NoFaultControl control = new NoFaultControl(NO_FAULTS, container::stop);
        RabbitEndpoint endpoint = new RabbitEndpoint(Origin.CONTAINER, container.getHost(), container.getAmqpPort(),
                container.getAdminUsername(), container.getAdminPassword(), "/", control);
        return new Provided(endpoint, control, image);
    }

    /** A {@code GenericContainer}: Testcontainers has no Redis module; the image's default command, without persistence. */
    private static Provided redis(Settings settings) {
        String image = image(settings, "redis", ContainerImages.REDIS);
        GenericContainer<?> container = new GenericContainer<>(image)
                .withExposedPorts(6379)
                .withCommand("redis-server", "--save", "", "--appendonly", "no")
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1))
                .withStartupTimeout(settings.startTimeout());
        container.start();
        NoFaultControl control = new NoFaultControl(NO_FAULTS, container::stop);
        RedisEndpoint endpoint = new RedisEndpoint(Origin.CONTAINER, container.getHost(), container.getMappedPort(6379),
                null, 0, control);
        return new Provided(endpoint, control, image);
    }

    /**
     * Name server and broker in one container. The broker registers {@code brokerIP1:port} with the
     * name server and clients connect there, so its port is bound to the same number on the host.
     * A {@code GenericContainer} rather than Testcontainers' RocketMQ module: the broker needs the
     * settings the local broker has (SQL92 property filters, transaction check-back every second,
     * a 64 MiB commit log), which that module's fixed configuration does not offer.
     */
    private static Provided rocket(Settings settings) {
        int brokerPort = Ports.freeBlock(-2, 0, 1);
        String brokerHost = DockerClientFactory.instance().dockerHostIpAddress();
        String config = String.join("\n",
                "brokerClusterName=KeelTestCluster",
                "brokerName=keel-broker",
                "brokerId=0",
                "listenPort=" + brokerPort,
                "brokerIP1=" + brokerHost,
                "autoCreateTopicEnable=true",
                "autoCreateSubscriptionGroup=true",
                "mappedFileSizeCommitLog=67108864",
                // as the local broker: registered again within 10 s when the name server dropped it (30 s by default)
                "registerNameServerPeriod=10000",
                "flushDiskType=ASYNC_FLUSH",
                "enablePropertyFilter=true",
                "transactionTimeOut=1000",
                "transactionCheckInterval=1000",
                "");
        String image = image(settings, "rocket", ContainerImages.ROCKETMQ);
        GenericContainer<?> container = new GenericContainer<>(image)
                .withExposedPorts(ROCKET_NAMESRV_PORT)
                .withCopyToContainer(Transferable.of(config), "/home/rocketmq/keel-broker.conf")
                .withEnv("JAVA_OPT_EXT", "-Xms256m -Xmx512m")
                .withCommand("/bin/sh", "-c", "sh mqnamesrv & sh mqbroker -n localhost:" + ROCKET_NAMESRV_PORT
                        + " -c /home/rocketmq/keel-broker.conf")
                .waitingFor(Wait.forLogMessage(".*The broker.*boot success.*", 1))
                .withStartupTimeout(settings.startTimeout());
        container.setPortBindings(List.of(brokerPort + ":" + brokerPort));
        container.start();
        NoFaultControl control = new NoFaultControl(NO_FAULTS, container::stop);
        String nameServer = container.getHost() + ":" + container.getMappedPort(ROCKET_NAMESRV_PORT);
        return new Provided(new RocketEndpoint(Origin.CONTAINER, nameServer, control), control, image);
    }

    /**
     * Testcontainers' {@code ArtemisContainer} on the image's own broker (the instance the official image creates at
     * its first start), with anonymous logins allowed ({@code ANONYMOUS_LOGIN=true}, the official image's switch), so
     * the tests connect without credentials as to the local broker, whose security is off. It waits for the broker to
     * be active ({@code AMQ221007}, logged once the acceptor listens) rather than for the module's
     * {@code HTTP Server started}: the official image starts its web console after that, and the image Keel's CI
     * builds has none. A single broker with no cluster connection sends its clients no other address to connect to,
     * so the client keeps to the mapped port. The heap as the local broker's ({@code JAVA_ARGS_APPEND}, which the
     * official image's {@code artemis} script appends to its JVM options).
     */
    private static Provided artemis(Settings settings) {
        String image = image(settings, "artemis", ContainerImages.ARTEMIS);
        ArtemisContainer container = new ArtemisContainer(image)
                .withEnv("ANONYMOUS_LOGIN", "true")
                .withEnv("JAVA_ARGS_APPEND", "-Xms64m -Xmx512m")
                .waitingFor(Wait.forLogMessage(".*AMQ221007: Server is now active.*", 1))
                .withStartupTimeout(settings.startTimeout());
        container.start();
        NoFaultControl control = new NoFaultControl(NO_FAULTS, container::stop);
        return new Provided(new ArtemisEndpoint(Origin.CONTAINER, container.getBrokerUrl(), control), control, image);
    }

    /**
     * Testcontainers' {@code ActiveMQContainer}, with the local broker's {@code activemq.xml} ({@link ActiveMQConfig}:
     * the scheduler and prioritized queues, which the Keel adapter relies on and the official image's default
     * configuration lacks; persistence; one OpenWire connector on 61616) copied over the image's
     * {@code conf/activemq.xml}, data in the image's {@code data} directory. The module waits for
     * {@code Apache ActiveMQ ... started}, as the local path does. The connector tells its clients no other address
     * (no {@code updateClusterClients}), so they keep to the mapped port.
     */
    private static Provided activemq(Settings settings) {
        String image = image(settings, "activemq", ContainerImages.ACTIVEMQ);
        String config = ActiveMQConfig.containerXml("0.0.0.0", ACTIVEMQ_PORT, ACTIVEMQ_HOME + "/data");
        ActiveMQContainer container = new ActiveMQContainer(image)
                .withCopyToContainer(Transferable.of(config), ACTIVEMQ_HOME + "/conf/activemq.xml")
                .withStartupTimeout(settings.startTimeout());
        container.start();
        NoFaultControl control = new NoFaultControl(NO_FAULTS, container::stop);
        return new Provided(new ActiveMQEndpoint(Origin.CONTAINER, container.getBrokerUrl(), control), control, image);
    }
}
