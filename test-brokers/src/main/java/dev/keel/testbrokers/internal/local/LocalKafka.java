package dev.keel.testbrokers.internal.local;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import dev.keel.testbrokers.ProcessWaitException;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.Provided;
import dev.keel.testbrokers.internal.process.JavaCommand;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import dev.keel.testbrokers.internal.process.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka in KRaft mode (broker and controller in one JVM) from the Maven Central jars,
 * listening on 127.0.0.1 only. Kill and restart keep its ports and data directory. A second client
 * listener, {@code PROXIED}, is advertised at the port of a {@link FaultProxy} that forwards to it,
 * so that clients bootstrapped there open every connection through the proxy.
 */
public final class LocalKafka extends OneProcessBroker {
    private static final String DEFAULT_JVM_OPTIONS = "-Xms128m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true "
            + "-Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true";

    private final HarnessRuntime runtime;
    private final int port;
    private final int controllerPort;
    private final int proxiedPort;
    private final int proxyPort;
    private final String classpath;
    private final List<String> jvmOptions;
    private final Duration startTimeout;
    private final boolean secured;
    private final int saslPort;
    private final int saslSslPort;
    private final TestCertificates certificates;
    /** The secured broker's proxy in front of its PROXIEDSSL listener (SASL_SSL); null on the plain broker. */
    private volatile FaultProxy securedProxy;
    /** The certificate the secured broker's SASL_SSL listeners present ({@link #restartPresenting}). */
    private volatile ServerCertificate presented = ServerCertificate.CURRENT;

    private LocalKafka(HarnessRuntime runtime, String classpath) {
        this(runtime, classpath, false);
    }

    private LocalKafka(HarnessRuntime runtime, String classpath, boolean secured) {
        super(runtime.run().dir(secured ? "kafka-secured" : "kafka"), Duration.ofSeconds(30));
        this.secured = secured;
        this.saslPort = Ports.freePort();
        this.saslSslPort = Ports.freePort();
        this.certificates = secured ? TestCertificates.get() : null;
        this.runtime = runtime;
        this.port = Ports.freePort();
        this.controllerPort = Ports.freePort();
        this.proxiedPort = Ports.freePort();
        this.proxyPort = Ports.freePort();
        this.classpath = classpath;
        this.jvmOptions = JavaCommand.splitOptions(runtime.settings().jvmOptions("kafka").orElse(DEFAULT_JVM_OPTIONS));
        this.startTimeout = runtime.settings().startTimeout();
    }

    static Provided start(HarnessRuntime runtime) {
        LocalKafka kafka = startRetryingOnce(() -> new LocalKafka(runtime,
                BrokerClasspath.resolve("kafka", BrokerKind.KAFKA, runtime.settings())));
        FaultProxy proxy = kafka.startProxy();
        runtime.atShutdown(proxy::close);
        return new Provided(new KafkaEndpoint(Origin.LOCAL, kafka.bootstrapServers(), kafka, proxy), kafka);
    }

    /**
     * A second single-node Kafka with an authorizer: a {@code SASL_PLAINTEXT} listener with SCRAM-SHA-512 for the
     * clients under test, a {@code SASL_SSL} one beside it (SCRAM-SHA-512 over TLS with the run's certificates; a
     * client certificate signed by the run's CA required), and the {@code PLAINTEXT} listener, whose anonymous clients are super users, to create
     * SCRAM users and ACLs (the controller and the inter-broker traffic use it too). Without an ACL nothing is allowed.
     */
    public static LocalKafka startSecured(HarnessRuntime runtime) {
        LocalKafka kafka = startRetryingOnce(() -> new LocalKafka(runtime, BrokerClasspath.resolve("kafka", BrokerKind.KAFKA,
                runtime.settings()), true));
        FaultProxy proxy = kafka.startProxy();
        runtime.atShutdown(proxy::close);
        kafka.securedProxy = proxy;
        return kafka;
    }

    /**
     * The secured broker's second SASL_SSL listener, {@code PROXIEDSSL}, as its clients reach it: through a
     * {@link FaultProxy} it advertises, so every connection of a client bootstrapped here goes through the proxy.
     */
    public String proxiedSaslSslBootstrapServers() {
        return "127.0.0.1:" + proxyPort;
    }

    /** The secured broker's proxy in front of {@code PROXIEDSSL}; it outlives kills and restarts of the broker. */
    public FaultProxy securedProxy() {
        if (securedProxy == null) {
            throw new IllegalStateException("only the secured broker has a proxied SASL_SSL listener");
        }
        return securedProxy;
    }

    /** The secured broker's listener for anonymous super users. */
    public String superUserBootstrapServers() {
        return bootstrapServers();
    }

    /** The secured broker's SASL_PLAINTEXT (SCRAM-SHA-512) listener. */
    public String saslBootstrapServers() {
        return "127.0.0.1:" + saslPort;
    }

    /** The secured broker's SASL_SSL (SCRAM-SHA-512 over TLS) listener. */
    public String saslSslBootstrapServers() {
        return "127.0.0.1:" + saslSslPort;
    }

    /**
     * Restarts the secured broker (kill -9, then a start on the same ports and data) with its SASL_SSL listeners
     * presenting {@code which}; {@link #restart()} keeps presenting it until this is called again.
     */
    public synchronized void restartPresenting(ServerCertificate which) {
        if (!secured) {
            throw new IllegalStateException("only the secured broker has SASL_SSL listeners");
        }
        presented = which;
        writeConfig();
        restart();
    }

    /** The proxy in front of the PROXIED listener; it outlives kills and restarts of the broker. */
    private FaultProxy startProxy() {
        try {
            return FaultProxy.on(proxyPort, "127.0.0.1", proxiedPort);
        } catch (UncheckedIOException e) {
            throw new BrokerStartException(BrokerKind.KAFKA, "cannot start the fault proxy of the PROXIED listener", e);
        }
    }

    private String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    private Path config() {
        return dir().resolve("server.properties");
    }

    private void writeConfig() {
        String properties = String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                secured ? String.join("\n", securedListeners()) : String.join("\n",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",PROXIED://127.0.0.1:" + proxiedPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",PROXIED://127.0.0.1:" + proxyPort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + dir().resolve("data").toAbsolutePath(),
                "num.partitions=1",
                "auto.create.topics.enable=true",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=10",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "share.coordinator.state.topic.num.partitions=10",
                "group.initial.rebalance.delay.ms=0",
                // a restart after kill -9 registers the broker again only once the controller let the killed
                // incarnation's session lapse: 9 s by default, 4 s here. Broker and controller are one process, whose
                // heartbeats go over loopback with no proxy between; 4 s still leaves a GC pause or a starved thread
                // of a loaded machine room before the controller would fence its only broker.
                "broker.heartbeat.interval.ms=1000",
                "broker.session.timeout.ms=4000",
                String.join("\n", KafkaShareGroups.SERVER_PROPERTIES),
                "");
        try {
            Files.writeString(config(), properties, StandardCharsets.UTF_8);
            // it holds the key store's password
            Files.setPosixFilePermissions(config(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.KAFKA, "cannot write " + config(), e);
        }
    }

    private List<String> securedListeners() {
        List<String> lines = new java.util.ArrayList<>(List.of(
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",SASL://127.0.0.1:" + saslPort
                        + ",SASLSSL://127.0.0.1:" + saslSslPort + ",PROXIEDSSL://127.0.0.1:" + proxiedPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                // PROXIEDSSL: SASL_SSL as SASLSSL, advertised at the port of the proxy in front of it
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",SASL://127.0.0.1:" + saslPort
                        + ",SASLSSL://127.0.0.1:" + saslSslPort + ",PROXIEDSSL://127.0.0.1:" + proxyPort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT,SASLSSL:SASL_SSL,"
                        + "PROXIEDSSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms=SCRAM-SHA-512",
                "listener.name.sasl.scram-sha-512.sasl.jaas.config="
                        + "org.apache.kafka.common.security.scram.ScramLoginModule required;"));
        for (String listener : List.of("saslssl", "proxiedssl")) {
            String tls = "listener.name." + listener + ".ssl.";
            lines.addAll(List.of(
                    "listener.name." + listener + ".scram-sha-512.sasl.jaas.config="
                            + "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                    tls + "keystore.type=PKCS12",
                    tls + "keystore.location=" + certificates.serverKeyStore(presented).toAbsolutePath(),
                    tls + "keystore.password=" + certificates.password(),
                    tls + "key.password=" + certificates.password(),
                    tls + "truststore.type=PKCS12",
                    tls + "truststore.location=" + certificates.trustStore().toAbsolutePath(),
                    tls + "truststore.password=" + certificates.password(),
                    tls + "client.auth=required"));
        }
        lines.addAll(List.of(
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users=User:ANONYMOUS",
                "allow.everyone.if.no.acl.found=false"));
        return lines;
    }

    /**
     * Starts a broker, and once more on fresh ports if that start fails: another JVM of the build may bind a port
     * between the moment it was found free and the broker's bind. The second failure is thrown, the first suppressed.
     */
    private static LocalKafka startRetryingOnce(Supplier<LocalKafka> create) {
        BrokerStartException first = null;
        while (true) {
            LocalKafka kafka = create.get();
            kafka.runtime.atShutdown(kafka::stop);
            try {
                kafka.writeConfig();
                kafka.format();
                kafka.launchAndAwait();
                return kafka;
            } catch (BrokerStartException e) {
                kafka.stop();
                if (first != null) {
                    e.addSuppressed(first);
                    throw e;
                }
                first = e;
                System.err.println("[keel-brokers] the Kafka broker in " + kafka.dir() + " did not start; starting it "
                        + "once more on other ports: " + e.getMessage());
            }
        }
    }

    /**
     * Formats the data directory of a new broker; restarts reuse it. A data directory left by a start that failed
     * earlier in this JVM is deleted first: it holds that start's cluster id, which the new one would refuse.
     */
    private void format() {
        RunDirectory.deleteTree(dir().resolve("data"));
        ManagedProcess storageTool = launch("kafka-storage-format", "kafka.tools.StorageTool",
                formatArguments(Uuid.randomUuid().toString()));
        int exit;
        try {
            exit = storageTool.awaitExit(startTimeout);
        } catch (ProcessWaitException e) {
            storageTool.killNow();
            throw new BrokerStartException(BrokerKind.KAFKA, "formatting the log directory " + e.getMessage());
        }
        if (exit != 0) {
            throw new BrokerStartException(BrokerKind.KAFKA, "formatting the log directory failed with exit code "
                    + exit + storageTool.tailMessage());
        }
    }

    private List<String> formatArguments(String clusterId) {
        List<String> args = new java.util.ArrayList<>(List.of("format", "-t", clusterId, "-c", config().toString()));
        args.addAll(KafkaShareGroups.FORMAT_FEATURES);
        return args;
    }

    @Override
    void launchAndAwait() {
        ManagedProcess started = launch("kafka", "kafka.Kafka", List.of(config().toString()));
        running(started);
        try {
            KafkaReadiness.await("127.0.0.1", port, startTimeout, started.onExit());
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.KAFKA, "the broker at " + bootstrapServers()
                    + " did not become ready: " + e.getMessage() + started.tailMessage(), e);
        }
    }

    private ManagedProcess launch(String name, String mainClass, List<String> args) {
        try {
            List<String> command = JavaCommand.command(dir().resolve("classpath.argfile"), classpath, jvmOptions, mainClass, args);
            return runtime.launcher().launch(ProcessSpec.broker(name, command, dir(), Map.of(), dir().resolve(name + ".log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.KAFKA, "cannot start " + mainClass + " with " + JavaCommand.javaExecutable(), e);
        }
    }
}
