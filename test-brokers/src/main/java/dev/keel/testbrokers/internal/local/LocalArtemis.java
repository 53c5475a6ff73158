package dev.keel.testbrokers.internal.local;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.ArtemisEndpoint;
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

/**
 * An ActiveMQ Artemis broker in its own JVM from the Maven Central jars: Artemis's
 * {@code core.server.embedded.Main}, which reads {@code <dir>/etc/broker.xml}. Persistent (an NIO
 * journal under {@code <dir>/data}), security off, one CORE acceptor on 127.0.0.1; the address
 * settings of an instance made by {@code artemis create}. Kill and restart keep its port and data.
 * A {@link FaultProxy} in front of the acceptor serves the endpoint's proxied URL.
 */
public final class LocalArtemis extends OneProcessBroker {
    private static final String HOST = "127.0.0.1";
    private static final String MAIN_CLASS = "org.apache.activemq.artemis.core.server.embedded.Main";
    private static final String DEFAULT_JVM_OPTIONS = "-Xms64m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true "
            + "-Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true";
    /** Logged once the broker has loaded its journal and started its acceptors. */
    private static final String ACTIVE = "AMQ221007: Server is now active";

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
    /** The certificate the secured broker's TLS acceptor presents. */
    private volatile TestCertificates.ServerCertificate presented = TestCertificates.ServerCertificate.CURRENT;

    private LocalArtemis(HarnessRuntime runtime, String classpath, boolean secured) {
        super(runtime.run().dir(secured ? "artemis-secured" : "artemis"), Duration.ofSeconds(30));
        this.runtime = runtime;
        this.port = Ports.freePort();
        this.proxyPort = Ports.freePort();
        this.tlsPort = Ports.freePort();
        this.certificates = secured ? TestCertificates.get() : null;
        this.classpath = classpath;
        this.secured = secured;
        List<String> options = new ArrayList<>(JavaCommand.splitOptions(runtime.settings().jvmOptions("artemis")
                .orElse(DEFAULT_JVM_OPTIONS)));
        if (secured) {
            options.add("-Djava.security.auth.login.config=" + loginConfig().toAbsolutePath());
        }
        this.jvmOptions = List.copyOf(options);
        this.startTimeout = runtime.settings().startTimeout();
        this.users = new PropertiesUsers(loginConfig().resolveSibling("users.properties"),
                loginConfig().resolveSibling("roles.properties"));
    }

    /**
     * A second broker with security on (the roles of {@link ArtemisConfig#ROLES}) and the user {@code admin} with
     * the role {@code admin} and password {@code adminPassword}; users are added and changed with {@link #putUser}.
     */
    public static LocalArtemis startSecured(HarnessRuntime runtime, String adminPassword) {
        LocalArtemis artemis = new LocalArtemis(runtime, BrokerClasspath.resolve("artemis", BrokerKind.ARTEMIS,
                runtime.settings()), true);
        runtime.atShutdown(artemis::stop);
        artemis.putUser("admin", adminPassword, List.of("admin"));
        artemis.writeConfig();
        artemis.launchAndAwait();
        return artemis;
    }

    /** The secured broker's URL. */
    public String securedUrl() {
        return url();
    }

    /** The secured broker's TLS acceptor, {@code tcp://127.0.0.1:<port>}, without the client's TLS parameters. */
    public String securedTlsUrl() {
        return "tcp://" + HOST + ":" + tlsPort;
    }

    /**
     * Adds or replaces a user of the secured broker; the broker reads the change at the user's next login (the
     * login module re-reads its files when they change).
     */
    public void putUser(String user, String password, List<String> roles) {
        users.put(user, password, roles);
    }

    /** Removes a user of the secured broker. */
    public void removeUser(String user) {
        users.remove(user);
    }

    /**
     * Kills the secured broker (-9) and starts it again on the same ports and data, its TLS acceptor presenting
     * {@code which} from then on.
     */
    public synchronized void restartPresenting(TestCertificates.ServerCertificate which) {
        if (!secured) {
            throw new IllegalStateException("only the secured broker has a TLS acceptor");
        }
        presented = which;
        kill(); // before the configuration changes: a running Artemis reloads parts of broker.xml by itself
        writeConfig();
        restart();
    }

    private Path loginConfig() {
        return dir().resolve("etc").resolve("login.config");
    }

    static Provided start(HarnessRuntime runtime) {
        LocalArtemis artemis = new LocalArtemis(runtime, BrokerClasspath.resolve("artemis", BrokerKind.ARTEMIS, runtime.settings()), false);
        runtime.atShutdown(artemis::stop);
        artemis.writeConfig();
        artemis.launchAndAwait();
        FaultProxy proxy = artemis.startProxy();
        runtime.atShutdown(proxy::close);
        return new Provided(new ArtemisEndpoint(Origin.LOCAL, artemis.url(), artemis, proxy), artemis);
    }

    /** The proxy in front of the acceptor; it outlives kills and restarts of the broker. */
    private FaultProxy startProxy() {
        try {
            return FaultProxy.on(proxyPort, HOST, port);
        } catch (UncheckedIOException e) {
            throw new BrokerStartException(BrokerKind.ARTEMIS, "cannot start the fault proxy in front of " + url(), e);
        }
    }

    private String url() {
        return "tcp://" + HOST + ":" + port;
    }

    private Path config() {
        return dir().resolve("etc").resolve("broker.xml");
    }

    private void writeConfig() {
        try {
            Files.createDirectories(config().getParent());
            Path data = dir().resolve("data").toAbsolutePath();
            Files.writeString(config(), secured
                    ? ArtemisConfig.brokerXml(HOST, port, data, ArtemisConfig.tlsAcceptor(HOST, tlsPort, certificates,
                            presented))
                    : ArtemisConfig.brokerXml(HOST, port, data, false), StandardCharsets.UTF_8);
            if (secured) {
                // it holds the key store's password
                Files.setPosixFilePermissions(config(), PosixFilePermissions.fromString("rw-------"));
                Files.writeString(loginConfig(), ArtemisConfig.loginConfig("users.properties", "roles.properties"),
                        StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.ARTEMIS, "cannot write " + config(), e);
        }
    }

    @Override
    void launchAndAwait() {
        ManagedProcess started = launch();
        running(started);
        long deadline = System.nanoTime() + startTimeout.toNanos();
        try {
            started.awaitLine(line -> line.contains(ACTIVE), "containing '" + ACTIVE + "'", startTimeout);
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            Poll.until("ActiveMQ Artemis acceptor " + url(), left, started.onExit(),
                    () -> Ports.accepts(HOST, port, 1000) && (!secured || Ports.accepts(HOST, tlsPort, 1000))
                            ? Optional.of(true) : Optional.empty());
        } catch (ProcessWaitException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.ARTEMIS, "the broker at " + url() + " did not become ready: "
                    + e.getMessage(), e);
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.ARTEMIS, "the broker at " + url() + " did not become ready: "
                    + e.getMessage() + started.tailMessage(), e);
        }
    }

    private ManagedProcess launch() {
        // one argument, the work directory: with a second one (a path of property files) Main ignores the first
        // and uses /app; it then also reads any *.properties in /config/ (absent here) and <dir>/etc/ (none written)
        List<String> args = List.of(dir().toAbsolutePath().toString());
        try {
            List<String> command = JavaCommand.command(dir().resolve("classpath.argfile"), classpath, jvmOptions, MAIN_CLASS, args);
            return runtime.launcher().launch(ProcessSpec.broker("artemis", command, dir(), Map.of(), dir().resolve("artemis.log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.ARTEMIS, "cannot start " + MAIN_CLASS + " with " + JavaCommand.javaExecutable(), e);
        }
    }

}
