package dev.keel.testbrokers.internal.local;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.ProcessWaitException;
import dev.keel.testbrokers.RocketEndpoint;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import dev.keel.testbrokers.internal.BrokerControl;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A RocketMQ name server and one broker, each in its own JVM from the Maven Central jars. Both bind
 * 127.0.0.1 ({@code bindAddress}; the TLS broker: below); the broker also opens its HA port (listenPort + 1) on all
 * interfaces, which RocketMQ offers no setting for, and nothing sends traffic there. Kill and
 * restart act on the broker and keep its ports and store; pause and resume freeze it and let it run again.
 *
 * <p>The broker registers {@code 127.0.0.1:<listenPort>} with the name server ({@code brokerIP1} and its listen port:
 * RocketMQ has no other address to advertise). The TLS broker ({@link #startSecuredOverTls}) binds 127.0.0.2 instead,
 * where the loopback interface takes it (Linux), and a {@link FaultProxy} listens on 127.0.0.1 at its port: every
 * client that finds the broker through the name server goes through the proxy ({@link #proxy()}).
 */
public final class LocalRocket implements BrokerControl {
    private static final String NAMESRV_JVM_OPTIONS = "-Xms64m -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true";
    private static final String BROKER_JVM_OPTIONS = "-Xms128m -Xmx512m -XX:+UseSerialGC -XX:MaxDirectMemorySize=512m "
            + "-Djava.awt.headless=true";
    private static final String BOOT_SUCCESS = "boot success";
    private static final String CLIENT_LOG_ROOT = "rocketmq.log.root";
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);
    private static final String HOST = "127.0.0.1";
    /** Where the TLS broker listens behind its proxy: another loopback address, the same port. */
    private static final String BEHIND_PROXY = "127.0.0.2";

    private final HarnessRuntime runtime;
    private final Path dir;
    private final Path home;
    private final int nameServerPort;
    private final int brokerPort;
    private final String classpath;
    private final Duration startTimeout;
    private final List<String> extraBrokerLines;
    private final RocketTlsClients.Files tls;
    private final List<String> tlsJvmOptions = new ArrayList<>();
    /** The address the broker binds: {@link #HOST}, or {@link #BEHIND_PROXY} when {@link #proxy} is in front. */
    private final String brokerBindHost;
    private volatile FaultProxy proxy;
    /** The certificate the TLS name server and broker present ({@link #restartPresenting}). */
    private volatile ServerCertificate presented = ServerCertificate.CURRENT;
    private volatile ManagedProcess nameServer;
    private volatile ManagedProcess broker;

    private LocalRocket(HarnessRuntime runtime, String classpath, String name, List<String> extraBrokerLines,
                        RocketTlsClients.Files tls) {
        this.runtime = runtime;
        this.tls = tls;
        this.dir = runtime.run().dir(name);
        this.home = runtime.run().dir(name + "/home");
        this.extraBrokerLines = List.copyOf(extraBrokerLines);
        this.nameServerPort = Ports.freePort();
        // the broker also listens on port - 2 (fast channel) and port + 1 (HA)
        this.brokerPort = Ports.freeBlock(-2, 0, 1);
        this.brokerBindHost = tls != null && loopbackTakes(BEHIND_PROXY) ? BEHIND_PROXY : HOST;
        this.classpath = classpath;
        this.startTimeout = runtime.settings().startTimeout();
    }

    static Provided start(HarnessRuntime runtime) {
        LocalRocket rocket = launchAndAwait(runtime, "rocketmq", List.of(), null);
        return new Provided(new RocketEndpoint(Origin.LOCAL, rocket.nameServerAddress(), rocket), rocket);
    }

    /**
     * A second name server and broker, in a folder of their own, with RocketMQ's ACL 2.0 on: authentication and
     * authorization by the broker, users and ACLs kept in the broker's local store, and {@code adminUser} created at
     * start as a super user (what the broker itself uses for its inner clients too). The name server checks nothing.
     */
    public static LocalRocket startSecured(HarnessRuntime runtime, String adminUser, String adminPassword) {
        return launchAndAwait(runtime, "rocketmq-secured", aclLines(adminUser, adminPassword), null);
    }

    /**
     * As {@link #startSecured}, in a folder of its own ({@code rocketmq-tls}), the name server and the broker speaking
     * TLS only ({@code tls.server.mode=enforcing}): they present {@code serverCertificate} and require a client
     * certificate signed by {@code caCertificate} ({@code tls.server.need.client.auth=require}); the broker's own
     * client (its registration with the name server) presents the client certificate. The settings are in a
     * {@code tls.properties} readable by its owner only ({@code -Dtls.config.file}); the keys are not encrypted. The
     * broker is behind a fault proxy ({@link #proxy()}) where the loopback interface takes 127.0.0.2.
     */
    public static LocalRocket startSecuredOverTls(HarnessRuntime runtime, String adminUser, String adminPassword,
                                                  Path serverCertificate, Path serverKey,
                                                  RocketTlsClients.Files client) {
        return launchAndAwait(runtime, "rocketmq-tls", aclLines(adminUser, adminPassword), client,
                serverCertificate, serverKey);
    }

    private static List<String> aclLines(String adminUser, String adminPassword) {
        String user = "{\"username\":\"" + adminUser + "\",\"password\":\"" + adminPassword + "\"}";
        String credentials = "{\"accessKey\":\"" + adminUser + "\",\"secretKey\":\"" + adminPassword + "\"}";
        return List.of(
                "authenticationEnabled=true",
                "authenticationProvider=org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider",
                "authenticationMetadataProvider="
                        + "org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider",
                "authorizationEnabled=true",
                "authorizationProvider=org.apache.rocketmq.auth.authorization.provider.DefaultAuthorizationProvider",
                "authorizationMetadataProvider="
                        + "org.apache.rocketmq.auth.authorization.provider.LocalAuthorizationMetadataProvider",
                "initAuthenticationUser=" + user,
                "innerClientAuthenticationCredentials=" + credentials);
    }

    private static LocalRocket launchAndAwait(HarnessRuntime runtime, String name, List<String> extraBrokerLines,
                                              RocketTlsClients.Files tls, Path... serverCertificateAndKey) {
        // the RocketMQ client of the readiness check (and of the tests) logs under ~/logs unless told otherwise
        if (System.getProperty(CLIENT_LOG_ROOT) == null) {
            System.setProperty(CLIENT_LOG_ROOT, runtime.run().dir("rocketmq/client-logs").toAbsolutePath().toString());
        }
        LocalRocket rocket = new LocalRocket(runtime, BrokerClasspath.resolve("rocketmq", BrokerKind.ROCKET,
                runtime.settings()), name, extraBrokerLines, tls);
        runtime.atShutdown(rocket::stop);
        if (!HOST.equals(rocket.brokerBindHost)) {
            rocket.proxy = rocket.startProxy();
            runtime.atShutdown(rocket.proxy::close);
        }
        rocket.writeConfigs();
        if (tls != null) {
            rocket.writeTlsConfig(serverCertificateAndKey[0], serverCertificateAndKey[1]);
        }
        // both at once: the broker registers when it boots, and again every 10 s should the name server be late
        rocket.nameServer = rocket.launchNameServer();
        rocket.broker = rocket.launchBroker();
        try {
            rocket.awaitNameServer(rocket.nameServer);
            rocket.awaitBroker(rocket.broker);
        } catch (BrokerStartException e) {
            rocket.stop();
            throw e;
        }
        return rocket;
    }

    /** The name server, {@code 127.0.0.1:<port>}. */
    public String nameServerAddress() {
        return "127.0.0.1:" + nameServerPort;
    }

    /**
     * The broker's own address, where users and ACLs are managed: {@code 127.0.0.1:<port>}, or
     * {@code 127.0.0.2:<port>} behind {@link #proxy()} (the name server routes clients to the proxy).
     */
    public String brokerAddress() {
        return brokerBindHost + ":" + brokerPort;
    }

    /** The broker's address as the name server hands it to clients, {@code 127.0.0.1:<port>} (behind a proxy or not). */
    public String registeredBrokerAddress() {
        return HOST + ":" + brokerPort;
    }

    /**
     * The fault proxy in front of the TLS broker, at the address the broker registers with the name server
     * ({@code 127.0.0.1:<port>}); it outlives kills and restarts. Empty for the other brokers, and where the loopback
     * interface does not take 127.0.0.2.
     */
    public Optional<FaultProxy> proxy() {
        return Optional.ofNullable(proxy);
    }

    /** Whether a server socket can bind {@code host} here (Linux's loopback takes all of 127.0.0.0/8). */
    private static boolean loopbackTakes(String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private FaultProxy startProxy() {
        try {
            return FaultProxy.on(brokerPort, brokerBindHost, brokerPort);
        } catch (UncheckedIOException e) {
            throw new BrokerStartException(BrokerKind.ROCKET, "cannot start the fault proxy in front of the broker at "
                    + brokerAddress(), e);
        }
    }

    private void writeConfigs() {
        Path store = dir.resolve("data").resolve("store").toAbsolutePath();
        write("namesrv.conf", List.of("listenPort=" + nameServerPort, "bindAddress=127.0.0.1"));
        List<String> lines = new ArrayList<>(List.of(
                "brokerClusterName=KeelTestCluster",
                "brokerName=keel-broker",
                "brokerId=0",
                "namesrvAddr=" + nameServerAddress(),
                "listenPort=" + brokerPort,
                "bindAddress=" + brokerBindHost,
                "brokerIP1=" + HOST,
                "storePathRootDir=" + store,
                "storePathCommitLog=" + store.resolve("commitlog"),
                "mappedFileSizeCommitLog=67108864",
                "autoCreateTopicEnable=true",
                "autoCreateSubscriptionGroup=true",
                "registerNameServerPeriod=10000",
                "flushDiskType=ASYNC_FLUSH",
                // SQL92 property filters, which sdk-rocket uses for a subscription's header filter
                "enablePropertyFilter=true",
                // transactional messages: check-back a half message once it is 1 s old, every second
                // (defaults: 6 s and 30 s), so check-back tests finish in seconds
                "transactionTimeOut=1000",
                "transactionCheckInterval=1000"));
        lines.addAll(extraBrokerLines);
        write("broker.conf", lines);
    }

    private void writeTlsConfig(Path serverCertificate, Path serverKey) {
        Path file = dir.resolve("tls.properties").toAbsolutePath();
        // the broker's own client (its registration) trusts any name server while they present a failure case
        boolean checkServer = presented == ServerCertificate.CURRENT;
        write("tls.properties", List.of(
                "tls.test.mode.enable=false",
                "tls.server.need.client.auth=require",
                "tls.server.certPath=" + serverCertificate.toAbsolutePath(),
                "tls.server.keyPath=" + serverKey.toAbsolutePath(),
                "tls.server.authClient=true",
                "tls.server.trustCertPath=" + tls.caCertificate().toAbsolutePath(),
                "tls.client.certPath=" + tls.clientCertificate().toAbsolutePath(),
                "tls.client.keyPath=" + tls.clientKey().toAbsolutePath(),
                "tls.client.authServer=" + checkServer,
                "tls.client.trustCertPath=" + tls.caCertificate().toAbsolutePath()));
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | UnsupportedOperationException e) {
            throw new BrokerStartException(BrokerKind.ROCKET, "cannot make " + file + " readable by its owner only", e);
        }
        // tls.server.mode is read from the system property only; tls.enable makes the broker's own client speak TLS
        tlsJvmOptions.clear();
        tlsJvmOptions.addAll(List.of("-Dtls.server.mode=enforcing", "-Dtls.enable=true", "-Dtls.config.file=" + file));
    }

    private void write(String name, List<String> lines) {
        try {
            Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.ROCKET, "cannot write " + dir.resolve(name), e);
        }
    }

    private ManagedProcess launchNameServer() {
        return launch("rocketmq-namesrv", NAMESRV_JVM_OPTIONS, "namesrv", "org.apache.rocketmq.namesrv.NamesrvStartup",
                "namesrv.conf");
    }

    private void awaitNameServer(ManagedProcess started) {
        awaitBootSuccess(started);
        try {
            Poll.until("RocketMQ name server port " + nameServerPort, startTimeout, started.onExit(),
                    () -> Ports.accepts("127.0.0.1", nameServerPort, 1000) ? Optional.of(true) : Optional.empty());
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.ROCKET, e.getMessage() + started.tailMessage(), e);
        }
    }

    private ManagedProcess launchBroker() {
        return launch("rocketmq-broker", BROKER_JVM_OPTIONS, "broker", "org.apache.rocketmq.broker.BrokerStartup",
                "broker.conf");
    }

    private void awaitBroker(ManagedProcess started) {
        awaitBootSuccess(started);
        try {
            RocketReadiness.await(nameServerAddress(), harnessTls(), startTimeout, started.onExit());
        } catch (Poll.PollFailedException | RuntimeException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.ROCKET, "the broker did not register with the name server: "
                    + e.getMessage() + started.tailMessage(), e);
        }
    }

    private void awaitBootSuccess(ManagedProcess process) {
        try {
            process.awaitLine(line -> line.contains(BOOT_SUCCESS), "containing '" + BOOT_SUCCESS + "'", startTimeout);
        } catch (ProcessWaitException e) {
            process.killNow();
            throw new BrokerStartException(BrokerKind.ROCKET, e.getMessage(), e);
        }
    }

    private ManagedProcess launch(String name, String defaultOptions, String optionsKey, String mainClass, String config) {
        List<String> options = new ArrayList<>(JavaCommand.splitOptions(
                runtime.settings().jvmOptions("rocketmq." + optionsKey).orElse(defaultOptions)));
        // RocketMQ writes its logs and state under the home directory
        options.add("-Duser.home=" + home.toAbsolutePath());
        options.add("-Drocketmq.home.dir=" + home.toAbsolutePath());
        options.addAll(tlsJvmOptions);
        try {
            List<String> command = JavaCommand.command(dir.resolve("classpath.argfile"), classpath, options, mainClass,
                    List.of("-c", dir.resolve(config).toAbsolutePath().toString()));
            Map<String, String> env = Map.of("ROCKETMQ_HOME", home.toAbsolutePath().toString());
            return runtime.launcher().launch(ProcessSpec.broker(name, command, dir, env, dir.resolve(name + ".log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.ROCKET, "cannot start " + mainClass + " with " + JavaCommand.javaExecutable(), e);
        }
    }

    @Override
    public boolean supportsFaults() {
        return true;
    }

    @Override
    public synchronized void kill() {
        broker.kill(KILL_TIMEOUT);
    }

    @Override
    public synchronized void restart() {
        if (broker.isAlive()) {
            broker.kill(KILL_TIMEOUT);
        }
        broker = launchBroker();
        awaitBroker(broker);
    }

    /** Freezes the broker (SIGSTOP): it holds its connections and answers nothing until {@link #resume()}. */
    @Override
    public synchronized void pause() {
        ProcessSignals.send("STOP", broker.pid());
    }

    /** Lets a {@link #pause() paused} broker run again (SIGCONT). */
    @Override
    public synchronized void resume() {
        ProcessSignals.send("CONT", broker.pid());
    }

    /**
     * Kills the TLS name server and broker (-9) and starts them again on the same ports and store, both presenting
     * {@code which} from then on (a certificate changed on the servers' own listeners, then a restart). The
     * harness's own clients ({@link #harnessTls()}: the readiness check, the admin calls, the broker's registration)
     * trust any server while it is not {@link ServerCertificate#CURRENT}.
     */
    public synchronized void restartPresenting(ServerCertificate which) {
        if (tls == null) {
            throw new IllegalStateException("only the TLS name server and broker present a certificate");
        }
        presented = which;
        TestCertificates certificates = TestCertificates.get();
        broker.kill(KILL_TIMEOUT);
        nameServer.kill(KILL_TIMEOUT);
        writeTlsConfig(certificates.serverCertificate(which), certificates.serverKey(which));
        nameServer = launchNameServer();
        broker = launchBroker();
        awaitNameServer(nameServer);
        awaitBroker(broker);
    }

    /** The files of the harness's own TLS clients: the run's client certificate; see {@link #restartPresenting}. */
    public RocketTlsClients.Files harnessTls() {
        return tls == null ? null : tls.trustingAnyServer(presented != ServerCertificate.CURRENT);
    }

    @Override
    public void stop() {
        ManagedProcess b = broker;
        ManagedProcess n = nameServer;
        if (b != null) {
            b.killNow();
        }
        if (n != null) {
            n.killNow();
        }
        RunDirectory.deleteTree(dir.resolve("data"));
    }
}
