package dev.keel.testbrokers.internal.local;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.ActiveMQEndpoint;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.ProcessWaitException;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.Provided;
import dev.keel.testbrokers.internal.process.JavaCommand;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An ActiveMQ Classic broker in its own JVM from the Maven Central jars: ActiveMQ's console {@code Main}
 * running {@code start xbean:file:<dir>/conf/activemq.xml} (see {@link ActiveMQConfig}). Persistent (KahaDB
 * under {@code <dir>/data}), one OpenWire transport connector on 127.0.0.1; its home, base, conf and data
 * directories are all in {@code <dir>}, so it writes nothing elsewhere. Kill and restart keep its port and
 * data. A {@link FaultProxy} in front of the connector serves the endpoint's proxied URL.
 */
public final class LocalActiveMQ extends OneProcessBroker {
    private static final String HOST = "127.0.0.1";
    private static final String MAIN_CLASS = "org.apache.activemq.console.Main";
    private static final String DEFAULT_JVM_OPTIONS = "-Xms64m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true "
            + "-Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true";
    /** Logged once the broker has recovered its store and started its connector: {@code Apache ActiveMQ 6.3.1 (keel, ID:...) started}. */
    private static final Pattern STARTED = Pattern.compile("Apache ActiveMQ \\S+ \\(" + ActiveMQConfig.BROKER_NAME + ", .*\\) started");

    private final HarnessRuntime runtime;
    private final int port;
    private final int proxyPort;
    private final int tlsPort;
    private final TestCertificates certificates;
    private final String classpath;
    private final List<String> jvmOptions;
    private final Duration startTimeout;
    private final boolean secured;
    /** The secured broker's users, written to its properties files on each change. */
    private final PropertiesUsers users;
    /** The certificate the secured broker's TLS transport connector presents. */
    private volatile TestCertificates.ServerCertificate presented = TestCertificates.ServerCertificate.CURRENT;

    private LocalActiveMQ(HarnessRuntime runtime, String classpath, boolean secured) {
        super(runtime.run().dir(secured ? "activemq-secured" : "activemq"), Duration.ofSeconds(30));
        this.secured = secured;
        this.runtime = runtime;
        this.port = Ports.freePort();
        this.proxyPort = Ports.freePort();
        this.tlsPort = Ports.freePort();
        this.certificates = secured ? TestCertificates.get() : null;
        this.classpath = classpath;
        List<String> options = new ArrayList<>(JavaCommand.splitOptions(runtime.settings().jvmOptions("activemq")
                .orElse(DEFAULT_JVM_OPTIONS)));
        // without these the broker takes the console jar's folder in the local Maven repository as its home
        Path dir = dir().toAbsolutePath();
        options.add("-Dactivemq.home=" + dir);
        options.add("-Dactivemq.base=" + dir);
        options.add("-Dactivemq.conf=" + config().getParent().toAbsolutePath());
        options.add("-Dactivemq.data=" + data());
        if (secured) {
            options.add("-Djava.security.auth.login.config=" + loginConfig().toAbsolutePath());
        }
        this.jvmOptions = List.copyOf(options);
        this.startTimeout = runtime.settings().startTimeout();
        this.users = new PropertiesUsers(loginConfig().resolveSibling("users.properties"),
                loginConfig().resolveSibling("groups.properties"));
    }

    /**
     * A second broker with security on (the roles of {@link ActiveMQConfig#activemqXml(String, int, Path, boolean)})
     * and the user {@code admin} with the role {@code admin} and password {@code adminPassword}; users are added and
     * changed with {@link #putUser}.
     */
    public static LocalActiveMQ startSecured(HarnessRuntime runtime, String adminPassword) {
        LocalActiveMQ activemq = new LocalActiveMQ(runtime, BrokerClasspath.resolve("activemq", BrokerKind.ACTIVEMQ,
                runtime.settings()), true);
        runtime.atShutdown(activemq::stop);
        activemq.putUser("admin", adminPassword, List.of(ActiveMQConfig.ADMIN));
        activemq.writeConfig();
        activemq.launchAndAwait();
        return activemq;
    }

    /** The secured broker's URL. */
    public String securedUrl() {
        return url();
    }

    /** The secured broker's TLS transport connector, {@code ssl://127.0.0.1:<port>}. */
    public String securedTlsUrl() {
        return "ssl://" + HOST + ":" + tlsPort;
    }

    /** Adds or replaces a user of the secured broker; the broker reads the change at the user's next login. */
    public void putUser(String user, String password, List<String> roles) {
        users.put(user, password, roles);
    }

    /** Removes a user of the secured broker. */
    public void removeUser(String user) {
        users.remove(user);
    }

    /**
     * Kills the secured broker (-9) and starts it again on the same ports and data, its TLS transport connector
     * presenting {@code which} from then on.
     */
    public synchronized void restartPresenting(TestCertificates.ServerCertificate which) {
        if (!secured) {
            throw new IllegalStateException("only the secured broker has a TLS transport connector");
        }
        presented = which;
        kill(); // before the configuration changes
        writeConfig();
        restart();
    }

    private Path loginConfig() {
        return config().resolveSibling("login.config");
    }

    static Provided start(HarnessRuntime runtime) {
        LocalActiveMQ activemq = new LocalActiveMQ(runtime, BrokerClasspath.resolve("activemq", BrokerKind.ACTIVEMQ,
                runtime.settings()), false);
        runtime.atShutdown(activemq::stop);
        activemq.writeConfig();
        activemq.launchAndAwait();
        FaultProxy proxy = activemq.startProxy();
        runtime.atShutdown(proxy::close);
        return new Provided(new ActiveMQEndpoint(Origin.LOCAL, activemq.url(), activemq, proxy), activemq);
    }

    /** The proxy in front of the transport connector; it outlives kills and restarts of the broker. */
    private FaultProxy startProxy() {
        try {
            return FaultProxy.on(proxyPort, HOST, port);
        } catch (UncheckedIOException e) {
            throw new BrokerStartException(BrokerKind.ACTIVEMQ, "cannot start the fault proxy in front of " + url(), e);
        }
    }

    private String url() {
        return "tcp://" + HOST + ":" + port;
    }

    private Path config() {
        return dir().resolve("conf").resolve("activemq.xml");
    }

    private Path data() {
        return dir().resolve("data").toAbsolutePath();
    }

    private void writeConfig() {
        try {
            Files.createDirectories(config().getParent());
            Files.writeString(config(), secured ? ActiveMQConfig.activemqXml(HOST, port, data(), tlsPort,
                    certificates, presented)
                    : ActiveMQConfig.activemqXml(HOST, port, data(), false), StandardCharsets.UTF_8);
            if (secured) {
                // it holds the key store's password
                Files.setPosixFilePermissions(config(), PosixFilePermissions.fromString("rw-------"));
                Files.writeString(loginConfig(), ActiveMQConfig.loginConfig("users.properties", "groups.properties"),
                        StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.ACTIVEMQ, "cannot write " + config(), e);
        }
    }

    @Override
    void launchAndAwait() {
        ManagedProcess started = launch();
        running(started);
        long deadline = System.nanoTime() + startTimeout.toNanos();
        try {
            started.awaitLine(line -> STARTED.matcher(line).find(), "matching '" + STARTED + "'", startTimeout);
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            Poll.until("ActiveMQ Classic transport connector " + url(), left, started.onExit(),
                    () -> Ports.accepts(HOST, port, 1000) && (!secured || Ports.accepts(HOST, tlsPort, 1000))
                            ? Optional.of(true) : Optional.empty());
        } catch (ProcessWaitException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.ACTIVEMQ, "the broker at " + url() + " did not become ready: "
                    + e.getMessage(), e);
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.ACTIVEMQ, "the broker at " + url() + " did not become ready: "
                    + e.getMessage() + started.tailMessage(), e);
        }
    }

    private ManagedProcess launch() {
        List<String> args = List.of("start", "xbean:file:" + config().toAbsolutePath());
        try {
            List<String> command = JavaCommand.command(dir().resolve("classpath.argfile"), classpath, jvmOptions, MAIN_CLASS, args);
            return runtime.launcher().launch(ProcessSpec.broker("activemq", command, dir(), Map.of(), dir().resolve("activemq.log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.ACTIVEMQ, "cannot start " + MAIN_CLASS + " with " + JavaCommand.javaExecutable(), e);
        }
    }
}
