package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.Provided;
import dev.keel.testbrokers.internal.RabbitNodeControl;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import dev.keel.testbrokers.internal.process.RunDirectory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A private RabbitMQ node of this test JVM, started from the system package's {@code rabbitmq-server}
 * script with its own node name, ports (127.0.0.1 only), data and logs; guest/guest on the default
 * virtual host. It leaves the machine's RabbitMQ service alone.
 *
 * <p>Kill is {@code rabbitmqctl stop_app}: the broker stops, every connection drops and the port
 * closes, while the Erlang VM stays up; restart is {@code start_app}, with all durable state. Not a
 * kill -9, on purpose: RabbitMQ 3.10 saves its registry of quorum queues (a dets file) every three
 * minutes, so after a kill -9 the quorum queues declared in the last minutes never get a leader again.
 *
 * <p>Being private to this JVM, the node also takes {@code rabbitmqctl} commands from tests
 * (a memory alarm, {@code eval} of an application setting).
 *
 * <p>With {@code keel.brokers.tls=true} it also has a TLS listener on 127.0.0.1 with the run's certificates
 * ({@link TestCertificates}) that asks every client for a certificate signed by the run's CA, and the
 * {@code rabbitmq_auth_mechanism_ssl} plugin: besides PLAIN and AMQPLAIN, a client on that listener may log in with
 * SASL EXTERNAL as the user named by its certificate's common name ({@code ssl_cert_login_from = common_name}).
 */
final class LocalRabbitNode implements RabbitNodeControl {
    private static final String HOST = "127.0.0.1";
    private static final String USER = "guest";
    private static final Path DEBIAN_SCRIPT = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");
    private static final String DEBIAN_SU_WRAPPER = "rabbitmq-script-wrapper";

    private final HarnessRuntime runtime;
    private final Path script;
    private final Path dir;
    private final int port;
    private final int distributionPort;
    private final OptionalInt tlsPort;
    private final String nodeName;
    private final Duration startTimeout;
    private final Map<String, String> environment;
    private final Rabbitmqctl ctl;
    private volatile ManagedProcess process;
    private volatile TestCertificates.ServerCertificate presented = TestCertificates.ServerCertificate.CURRENT;

    private LocalRabbitNode(HarnessRuntime runtime, Path script) {
        this.runtime = runtime;
        this.script = script;
        this.dir = runtime.run().dir("rabbit");
        this.port = Ports.freePort();
        this.distributionPort = Ports.freePort();
        this.tlsPort = runtime.settings().tls() ? OptionalInt.of(Ports.freePort()) : OptionalInt.empty();
        this.nodeName = "keel-" + ProcessHandle.current().pid() + "@localhost";
        this.startTimeout = runtime.settings().startTimeout();
        this.environment = environment();
        this.ctl = Rabbitmqctl.forNode(nodeName, environment).orElseThrow(() -> new BrokerStartException(BrokerKind.RABBIT,
                "rabbitmqctl is missing; it comes with the rabbitmq-server package"));
    }

    static Provided start(HarnessRuntime runtime) {
        Path script = findScript().orElseThrow(() -> new BrokerStartException(BrokerKind.RABBIT,
                "rabbitmq-server is not installed: apt-get install rabbitmq-server, or set KEEL_RABBIT_URI to a running "
                        + "broker, or run with a Docker engine"));
        LocalRabbitNode node = new LocalRabbitNode(runtime, script);
        runtime.atShutdown(node::stop);
        node.writeConfig();
        node.launchAndAwait();
        RabbitEndpoint endpoint = new RabbitEndpoint(Origin.LOCAL, HOST, node.port, USER, USER, "/", node);
        return new Provided(endpoint, node);
    }

    /** The real server script: Debian's {@code /usr/sbin/rabbitmq-server} is a wrapper that switches to the rabbitmq user. */
    static Optional<Path> findScript() {
        if (Files.isExecutable(DEBIAN_SCRIPT)) {
            return Optional.of(DEBIAN_SCRIPT);
        }
        return Executables.find("rabbitmq-server").filter(p -> !realName(p).equals(DEBIAN_SU_WRAPPER));
    }

    private static String realName(Path path) {
        try {
            return path.toRealPath().getFileName().toString();
        } catch (IOException e) {
            return path.getFileName().toString();
        }
    }

    private void writeConfig() {
        try {
            List<String> lines = new ArrayList<>(List.of(
                    "listeners.tcp.1 = " + HOST + ":" + port,
                    "loopback_users.guest = true"));
            if (tlsPort.isPresent()) {
                TestCertificates certificates = TestCertificates.get();
                lines.addAll(List.of(
                        "listeners.ssl.1 = " + HOST + ":" + tlsPort.getAsInt(),
                        "ssl_options.cacertfile = " + certificates.caCertificate().toAbsolutePath(),
                        "ssl_options.certfile = " + certificates.serverCertificate(presented).toAbsolutePath(),
                        "ssl_options.keyfile = " + certificates.serverKey(presented).toAbsolutePath(),
                        "ssl_options.verify = verify_peer",
                        "ssl_options.fail_if_no_peer_cert = true",
                        // SASL EXTERNAL (rabbitmq_auth_mechanism_ssl): the user named by the client certificate's
                        // CN, with no password; PLAIN stays first, so every other client logs in as before
                        "auth_mechanisms.1 = PLAIN",
                        "auth_mechanisms.2 = AMQPLAIN",
                        "auth_mechanisms.3 = EXTERNAL",
                        "ssl_cert_login_from = common_name"));
            }
            lines.add("");
            Files.writeString(dir.resolve("rabbitmq.conf"), String.join("\n", lines), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("enabled_plugins"),
                    tlsPort.isPresent() ? "[rabbitmq_auth_mechanism_ssl].\n" : "[].\n", StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("rabbitmq-env.conf"), "", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.RABBIT, "cannot write the node configuration in " + dir, e);
        }
    }

    private Map<String, String> environment() {
        Path home = runtime.run().dir("rabbit/home");
        Map<String, String> env = new HashMap<>();
        env.put("RABBITMQ_NODENAME", nodeName);
        env.put("RABBITMQ_NODE_IP_ADDRESS", HOST);
        env.put("RABBITMQ_NODE_PORT", String.valueOf(port));
        env.put("RABBITMQ_DIST_PORT", String.valueOf(distributionPort));
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq").toAbsolutePath().toString());
        env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toAbsolutePath().toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toAbsolutePath().toString());
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("data").toAbsolutePath().toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toAbsolutePath().toString());
        env.put("RABBITMQ_LOGS", "-");
        // exec the Erlang VM in place of the script, so the process we hold (and kill -9) is the broker
        env.put("RUNNING_UNDER_SYSTEMD", "true");
        env.put("ERL_EPMD_ADDRESS", HOST);
        env.put("ERL_FLAGS", "-kernel inet_dist_use_interface {127,0,0,1}");
        // the Erlang cookie goes to $HOME: keep it out of the user's home
        env.put("HOME", home.toAbsolutePath().toString());
        return env;
    }

    private void launchAndAwait() {
        ManagedProcess started;
        try {
            started = runtime.launcher().launch(ProcessSpec.broker("rabbitmq", List.of(script.toString()), dir,
                    environment, dir.resolve("rabbitmq.log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.RABBIT, "cannot start " + script, e);
        }
        process = started;
        try {
            awaitReady(started);
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.RABBIT, "the node " + nodeName + " did not become ready: "
                    + e.getMessage() + started.tailMessage(), e);
        }
    }

    private void awaitReady(ManagedProcess started) throws Poll.PollFailedException {
        Poll.until("RabbitMQ port " + port, startTimeout, started.onExit(),
                () -> Ports.accepts(HOST, port, 1000) ? Optional.of(true) : Optional.empty());
        RabbitReadiness.await(HOST, port, USER, USER, "/", startTimeout, started.onExit());
    }

    @Override
    public boolean supportsFaults() {
        return true;
    }

    @Override
    public synchronized void kill() {
        try {
            ctl.run("stop_app");
        } catch (IOException e) {
            throw new IllegalStateException("RabbitMQ: rabbitmqctl stop_app failed: " + e.getMessage(), e);
        }
    }

    /** {@code start_app}; if the node itself died, starts it again with the same port and data. */
    @Override
    public synchronized void restart() {
        ManagedProcess current = process;
        if (!current.isAlive()) {
            launchAndAwait();
            return;
        }
        try {
            ctl.run("start_app");
            awaitReady(current);
        } catch (IOException | Poll.PollFailedException e) {
            throw new BrokerStartException(BrokerKind.RABBIT, "the node " + nodeName + " did not come back after "
                    + "rabbitmqctl start_app: " + e.getMessage() + current.tailMessage(), e);
        }
    }

    @Override
    public OptionalInt tlsPort() {
        return tlsPort;
    }

    /**
     * The configuration written again with {@code which} as the TLS listener's certificate, then {@code stop_app} and
     * {@code start_app}, which reads the configuration again: every connection drops, and the TLS listener comes back
     * presenting {@code which}.
     */
    @Override
    public synchronized void restartPresenting(TestCertificates.ServerCertificate which) throws IOException {
        if (tlsPort.isEmpty()) {
            throw new IllegalStateException("the node " + nodeName + " has no TLS listener (keel.brokers.tls=false)");
        }
        presented = which;
        writeConfig();
        kill();
        restart();
    }

    @Override
    public String rabbitmqctl(List<String> args) throws IOException {
        return ctl.run(args.toArray(String[]::new));
    }

    @Override
    public void stop() {
        ManagedProcess current = process;
        if (current != null) {
            current.killNow();
        }
        RunDirectory.deleteTree(dir.resolve("data"));
    }
}
