package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.SocketConfigurators;
import com.rabbitmq.client.impl.recovery.TopologyRecoveryRetryLogic;
import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.spi.support.TlsFailures;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/** Opens AMQP connections as {@link RabbitConfig} says. Thread-safe. */
public final class Connector {

    /** The connection close code RabbitMQ answers a login with when the user may not use the virtual host. */
    private static final int NOT_ALLOWED = 530;
    /** How long a connection that only listens waits for the broker's TLS alert (see {@link TlsFailures}). */
    private static final Duration MAX_LISTEN = Duration.ofSeconds(1);

    private final RabbitConfig config;

    public Connector(RabbitConfig config) {
        this.config = config;
    }

    public RabbitConfig config() {
        return config;
    }

    /**
     * A new connection named {@code <connectionName>-<role>}. With {@code recovering} the client
     * reconnects by itself and recovers channels, QoS, queues and consumers (broadcast consumers use
     * this); without it a lost connection stays closed and its owner opens a new one (publishers do,
     * so that confirm sequence numbers never span two channels, and partition consumers do, so that a
     * lost partition is revoked from the engine before it is consumed again).
     *
     * @throws BrokerUnavailableException when the broker cannot be reached
     * @throws AccessRefusedException when it refuses the login or the user's access to the virtual host, or a TLS
     *         handshake fails over a certificate (the client does not trust the broker's, or the broker the client's)
     */
    public Connection open(String role, boolean recovering) {
        return open(role, recovering, socket -> { });
    }

    /** As {@link #open(String, boolean)}; {@code sockets} is handed the connection's socket once it is set up. */
    Connection open(String role, boolean recovering, Consumer<Socket> sockets) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setSocketConfigurator(socket -> {
            SocketConfigurators.defaultConfigurator().configure(socket);
            sockets.accept(socket);
        });
        factory.setHost(config.host());
        factory.setPort(config.port());
        factory.setVirtualHost(config.virtualHost());
        factory.setUsername(config.username());
        factory.setPassword(config.password());
        factory.setConnectionTimeout((int) config.connectionTimeout().toMillis());
        factory.setHandshakeTimeout((int) config.connectionTimeout().toMillis());
        factory.setRequestedHeartbeat((int) Math.max(1, config.heartbeat().toSeconds()));
        factory.setAutomaticRecoveryEnabled(recovering);
        factory.setTopologyRecoveryEnabled(recovering);
        factory.setNetworkRecoveryInterval(config.recoveryInterval().toMillis());
        if (recovering) {
            // a queue may not be ready the moment the broker is back: retry re-registering consumers
            factory.setTopologyRecoveryRetryHandler(
                    TopologyRecoveryRetryLogic.RETRY_ON_QUEUE_NOT_FOUND_RETRY_HANDLER.build());
        }
        if (config.tls()) {
            try {
                factory.useSslProtocol(config.sslContext().isPresent() ? config.sslContext().get()
                        : SSLContext.getDefault());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("no default TLS context available: give RabbitConfig an sslContext", e);
            }
            factory.enableHostnameVerification();
        }
        try {
            return factory.newConnection(addresses(), config.connectionName() + "-" + role);
        } catch (AuthenticationFailureException e) {
            throw new AccessRefusedException("RabbitMQ at " + where() + " refused the login of user '"
                    + config.username() + "' (" + e.getMessage() + "): the user does not exist or the password is"
                    + " wrong. Give the right credentials (rabbitmqctl authenticate_user checks them), or create the"
                    + " user (rabbitmqctl add_user); retrying cannot help", e);
        } catch (IOException | TimeoutException e) {
            Optional<String> certificate = certificateProblem(e);
            if (certificate.isPresent()) {
                throw new AccessRefusedException("RabbitMQ at " + where() + " could not be reached over TLS as '"
                        + config.username() + "': " + certificate.get() + "; retrying cannot help", e);
            }
            Optional<AMQP.Connection.Close> close = connectionClose(e);
            if (close.isPresent() && close.get().getReplyCode() == NOT_ALLOWED) {
                throw new AccessRefusedException("RabbitMQ at " + where() + " refused user '" + config.username()
                        + "' access to virtual host '" + config.virtualHost() + "' (" + close.get().getReplyText()
                        + "): grant it"
                        + " (rabbitmqctl set_permissions -p " + config.virtualHost() + " " + config.username()
                        + " <configure> <write> <read>; docs/security.md lists what Keel needs) or connect to a"
                        + " virtual host the user may use; retrying cannot help", e);
            }
            throw new BrokerUnavailableException("cannot connect to RabbitMQ at " + where()
                    + " vhost '" + config.virtualHost() + "' as '" + config.username() + "': " + describe(e)
                    + "; check that the broker runs and the credentials and vhost are right", e);
        }
    }

    /**
     * The certificate problem behind a failed TLS connection, if that is what failed: the client's own handshake
     * says so, or (TLS 1.3, the connection reset after the client's first bytes) the alert the broker sends to a
     * connection that only listens.
     */
    private Optional<String> certificateProblem(Exception e) {
        Optional<String> problem = TlsFailures.certificateProblem(e);
        if (problem.isPresent() || !config.tls() || !TlsFailures.droppedAfterConnecting(e)) {
            return problem;
        }
        try {
            SSLSocketFactory factory = (config.sslContext().isPresent() ? config.sslContext().get()
                    : SSLContext.getDefault()).getSocketFactory();
            Address first = addresses().get(0);
            int port = first.getPort() > 0 ? first.getPort() : config.port();
            Duration wait = config.connectionTimeout().compareTo(MAX_LISTEN) < 0 ? config.connectionTimeout()
                    : MAX_LISTEN;
            return TlsFailures.listenForRefusal(factory, first.getHost(), port, config.connectionTimeout(), wait);
        } catch (GeneralSecurityException noContext) {
            return Optional.empty();
        }
    }

    /** The configured cluster addresses (the client tries them in random order), else host and port. */
    private List<Address> addresses() {
        if (config.addresses().isEmpty()) {
            return List.of(new Address(config.host(), config.port()));
        }
        return config.addresses().stream().map(Address::parseAddress).toList();
    }

    private String where() {
        return config.addresses().isEmpty() ? config.host() + ":" + config.port()
                : "any of " + String.join(",", config.addresses());
    }

    /** The connection close behind {@code e} (RabbitMQ closing the connection during the handshake), if any. */
    private static Optional<AMQP.Connection.Close> connectionClose(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException s && s.getReason() instanceof AMQP.Connection.Close close) {
                return Optional.of(close);
            }
        }
        return Optional.empty();
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() != null ? " (" + root.getMessage() + ")" : "");
    }
}
