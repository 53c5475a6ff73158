package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.internal.BrokerControl;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.NoFaultControl;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.Provided;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Used with {@code KEEL_RABBIT_LOCAL=service}: the RabbitMQ service already running on this machine
 * (127.0.0.1:5672, guest/guest), with a
 * virtual host created for this test run and deleted at its end. Kill is {@code rabbitmqctl
 * stop_app} and restart {@code start_app}: the node stays up, the broker application stops, every
 * connection drops. A marker file makes a later run start the application again should this JVM die
 * between the two.
 */
public final class RabbitService implements BrokerControl {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitService.class);
    private static final String HOST = "127.0.0.1";
    private static final int PORT = 5672;
    private static final String USER = "guest";
    private static final String PASSWORD = "guest";
    private static final String VHOST_PREFIX = "keel-test-";
    private static final String STOPPED_MARKER = "app-stopped";
    private static final String VHOST_FILE = "vhost";

    private final Rabbitmqctl ctl;
    private final Path dir;
    private final String vhost;
    private final Duration startTimeout;

    private RabbitService(Rabbitmqctl ctl, Path dir, String vhost, Duration startTimeout) {
        this.ctl = ctl;
        this.dir = dir;
        this.vhost = vhost;
        this.startTimeout = startTimeout;
    }

    static Provided start(HarnessRuntime runtime) {
        Duration timeout = runtime.settings().startTimeout();
        if (!Ports.accepts(HOST, PORT, 2000)) {
            throw new BrokerStartException(BrokerKind.RABBIT, notRunningMessage());
        }
        Optional<Rabbitmqctl> ctl = Rabbitmqctl.forService();
        if (ctl.isEmpty()) {
            LOG.warn("RabbitMQ: rabbitmqctl is not on the PATH; using the default virtual host '/' without fault injection");
            NoFaultControl control = new NoFaultControl("rabbitmqctl is not available", () -> { });
            awaitConnect("/", timeout);
            return new Provided(new RabbitEndpoint(Origin.LOCAL, HOST, PORT, USER, PASSWORD, "/", control), control);
        }
        Path dir = runtime.run().dir("rabbit");
        String vhost = VHOST_PREFIX + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 6);
        RabbitService service = new RabbitService(ctl.get(), dir, vhost, timeout);
        service.deleteStaleVirtualHosts();
        service.createVirtualHost();
        runtime.atShutdown(service::stop);
        awaitConnect(vhost, timeout);
        return new Provided(new RabbitEndpoint(Origin.LOCAL, HOST, PORT, USER, PASSWORD, vhost, service), service);
    }

    private static String notRunningMessage() {
        if (Executables.find("rabbitmq-server").isPresent()) {
            return "RabbitMQ is installed but nothing listens on " + HOST + ":" + PORT
                    + ": start it (rabbitmq-server -detached, then rabbitmqctl await_startup), "
                    + "or set KEEL_RABBIT_URI to a running broker, or run with a Docker engine";
        }
        return "rabbitmq-server is not installed and nothing listens on " + HOST + ":" + PORT
                + ": apt-get install rabbitmq-server, or set KEEL_RABBIT_URI to a running broker, or run with a Docker engine";
    }

    private void createVirtualHost() {
        try {
            ctl.run("add_vhost", vhost);
            Files.writeString(dir.resolve(VHOST_FILE), vhost, StandardCharsets.UTF_8);
            ctl.run("set_permissions", "-p", vhost, USER, ".*", ".*", ".*");
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.RABBIT, "cannot create the virtual host " + vhost
                    + " (rabbitmqctl needs root or the rabbitmq user's Erlang cookie): " + e.getMessage(), e);
        }
    }

    /** Virtual hosts of earlier runs whose JVM is gone. */
    private void deleteStaleVirtualHosts() {
        try {
            for (String name : ctl.run("list_vhosts", "--no-table-headers", "name").split("\\R")) {
                String trimmed = name.trim();
                if (trimmed.startsWith(VHOST_PREFIX) && !ownerAlive(trimmed)) {
                    ctl.run("delete_vhost", trimmed);
                    LOG.info("RabbitMQ: deleted the virtual host {} of an earlier test run", trimmed);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("RabbitMQ: could not delete virtual hosts of earlier test runs: {}", e.getMessage());
        }
    }

    private static boolean ownerAlive(String vhost) {
        String[] parts = vhost.substring(VHOST_PREFIX.length()).split("-");
        try {
            return ProcessHandle.of(Long.parseLong(parts[0])).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static void awaitConnect(String vhost, Duration timeout) {
        try {
            RabbitReadiness.await(HOST, PORT, USER, PASSWORD, vhost, timeout, Poll.never());
        } catch (Poll.PollFailedException e) {
            throw new BrokerStartException(BrokerKind.RABBIT, e.getMessage(), e);
        }
    }

    @Override
    public boolean supportsFaults() {
        return true;
    }

    @Override
    public synchronized void kill() {
        try {
            Files.writeString(dir.resolve(STOPPED_MARKER), "rabbitmqctl stop_app by pid " + ProcessHandle.current().pid());
            ctl.run("stop_app");
        } catch (IOException e) {
            throw new IllegalStateException("RabbitMQ: rabbitmqctl stop_app failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void restart() {
        try {
            ctl.run("start_app");
            Files.deleteIfExists(dir.resolve(STOPPED_MARKER));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.RABBIT, "rabbitmqctl start_app failed: " + e.getMessage(), e);
        }
        awaitConnect(vhost, startTimeout);
    }

    @Override
    public void stop() {
        try {
            if (Files.deleteIfExists(dir.resolve(STOPPED_MARKER))) {
                ctl.run("start_app");
            }
            ctl.run("delete_vhost", vhost);
            Files.deleteIfExists(dir.resolve(VHOST_FILE));
        } catch (IOException e) {
            LOG.warn("RabbitMQ: cleanup at the end of the run failed: {}", e.getMessage());
        }
    }

    /** Undoes what a crashed run left: the application stopped by a kill, and its virtual host. */
    public static void recoverStaleRun(Path staleRun) {
        Path rabbit = staleRun.resolve("rabbit");
        Path marker = rabbit.resolve(STOPPED_MARKER);
        Path vhostFile = rabbit.resolve(VHOST_FILE);
        if (!Files.exists(marker) && !Files.exists(vhostFile)) {
            return;
        }
        Optional<Rabbitmqctl> ctl = Rabbitmqctl.forService();
        if (ctl.isEmpty()) {
            return;
        }
        try {
            if (Files.exists(marker)) {
                LOG.warn("RabbitMQ: an earlier test run stopped the application and died; running rabbitmqctl start_app");
                ctl.get().run("start_app");
                Files.delete(marker);
            }
            if (Files.exists(vhostFile)) {
                ctl.get().run("delete_vhost", Files.readString(vhostFile, StandardCharsets.UTF_8).trim());
                Files.delete(vhostFile);
            }
        } catch (IOException e) {
            LOG.warn("RabbitMQ: could not undo what the earlier test run in {} left: {}", staleRun, e.getMessage());
        }
    }
}
