package dev.keel.rabbit.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultSaslConfig;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.SocketConfigurators;
import com.rabbitmq.client.impl.recovery.TopologyRecoveryRetryLogic;
import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.rabbit.AuthenticationMechanism;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.spi.support.TlsFailures;
import dev.keel.spi.support.TlsMismatch;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.Principal;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/** Opens AMQP connections as {@link RabbitConfig} says. Thread-safe. */
public final class Connector {

    /** The connection close code RabbitMQ answers a login with when the user may not use the virtual host. */
    private static final int NOT_ALLOWED = 530;
    /** How long a connection that only listens waits for the broker's TLS alert (see {@link TlsFailures}). */
    private static final Duration MAX_LISTEN = Duration.ofSeconds(1);
    /** How amqp-client's handshake fails when the broker offers none of the mechanisms the client may use. */
    private static final String NO_MECHANISM = "No compatible authentication mechanism found";
    private static final Pattern REFUSED_USER = Pattern.compile("refused for user '([^']*)'");
    /** How long the question whether a listener speaks TLS waits for its answer ({@link TlsMismatch}). */
    private static final Duration MAX_ASK = Duration.ofSeconds(2);
    /** Where the client's TLS is set, for a message about a listener of the other kind. */
    private static final String TLS_SETTINGS = "an amqps:// uri, RabbitConfig tls(true) or sslContext(...); with the "
            + "Spring Boot starter keel.rabbit.uri=amqps://... or keel.rabbit.ssl-bundle";

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
     *         handshake fails over a certificate (the client does not trust the broker's, or the broker the client's),
     *         or every address is a listener of the other kind (TLS configured and a plaintext listener answers, or
     *         the reverse)
     */
    public Connection open(String role, boolean recovering) {
        return open(role, recovering, socket -> { });
    }

    /** As {@link #open(String, boolean)}; {@code sockets} is handed the connection's socket once it is set up. */
    Connection open(String role, boolean recovering, Consumer<Socket> sockets) {
        return open(role, recovering, sockets, () -> false);
    }

    /**
     * As {@link #open(String, boolean, Consumer)}; when {@code ended} says the opening was ended (its socket closed by
     * its owner), its failure is reported as such at once, without the probes that explain a failed connection.
     */
    Connection open(String role, boolean recovering, Consumer<Socket> sockets, BooleanSupplier ended) {
        ConnectionFactory factory = new ConnectionFactory();
        AtomicReference<Socket> lastSocket = new AtomicReference<>();
        factory.setSocketConfigurator(socket -> {
            SocketConfigurators.defaultConfigurator().configure(socket);
            lastSocket.set(socket);
            sockets.accept(socket);
        });
        factory.setHost(config.host());
        factory.setPort(config.port());
        factory.setVirtualHost(config.virtualHost());
        if (config.authentication() == AuthenticationMechanism.EXTERNAL) {
            factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);
        } else {
            factory.setUsername(config.username());
            factory.setPassword(config.password());
        }
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
            if (external()) {
                Optional<String> certificate = certificateSubject(lastSocket.get());
                String name = certificate.flatMap(Connector::commonName).orElse("<the certificate's CN>");
                throw new AccessRefusedException("RabbitMQ at " + where() + " refused the EXTERNAL login of "
                        + certificate.map(c -> "the client certificate '" + c + "'").orElse("the client certificate")
                        + " (" + e.getMessage() + "): no RabbitMQ user has the name the broker takes from the"
                        + " certificate (its ssl_cert_login_from: the whole subject by default, common_name its CN '"
                        + name + "'). Create that user, with no password (rabbitmqctl add_user " + name + " <any>;"
                        + " rabbitmqctl clear_password " + name + "), and grant it the virtual host, or connect with a"
                        + " certificate of an existing user; retrying cannot help", e);
            }
            throw new AccessRefusedException("RabbitMQ at " + where() + " refused the login of user '"
                    + config.username() + "' (" + e.getMessage() + "): the user does not exist or the password is"
                    + " wrong. Give the right credentials (rabbitmqctl authenticate_user checks them), or create the"
                    + " user (rabbitmqctl add_user); retrying cannot help", e);
        } catch (IOException | TimeoutException e) {
            if (ended.getAsBoolean()) {
                throw new BrokerUnavailableException("the opening of the connection to RabbitMQ at " + where()
                        + " was ended (" + describe(e) + ")", e);
            }
            Optional<String> certificate = certificateProblem(e);
            if (certificate.isPresent()) {
                throw new AccessRefusedException("RabbitMQ at " + where() + " could not be reached over TLS as "
                        + who(null) + ": " + certificate.get() + "; retrying cannot help", e);
            }
            Optional<AMQP.Connection.Close> close = connectionClose(e);
            if (close.isPresent() && close.get().getReplyCode() == NOT_ALLOWED) {
                String user = external() ? userOf(close.get().getReplyText()).orElse("<the certificate's user>")
                        : config.username();
                throw new AccessRefusedException("RabbitMQ at " + where() + " refused " + who(lastSocket.get())
                        + " access to virtual host '" + config.virtualHost() + "' (" + close.get().getReplyText()
                        + "): grant it"
                        + " (rabbitmqctl set_permissions -p " + config.virtualHost() + " " + user
                        + " <configure> <write> <read>; docs/security.md lists what Keel needs) or connect to a"
                        + " virtual host the user may use; retrying cannot help", e);
            }
            if (e.getMessage() != null && e.getMessage().startsWith(NO_MECHANISM)) {
                throw new AccessRefusedException("RabbitMQ at " + where() + " does not offer the "
                        + config.authentication() + " login (" + e.getMessage() + "), needed by "
                        + who(lastSocket.get()) + ": " + (external() ? "enable the plugin rabbitmq_auth_mechanism_ssl (rabbitmq-plugins"
                        + " enable rabbitmq_auth_mechanism_ssl), add EXTERNAL to auth_mechanisms in rabbitmq.conf"
                        + " (auth_mechanisms.1 = PLAIN, auth_mechanisms.2 = AMQPLAIN, auth_mechanisms.3 = EXTERNAL)"
                        + " and restart the node, or log in with user and password (authentication PLAIN)"
                        : "add PLAIN to auth_mechanisms in rabbitmq.conf, or log in with the client certificate"
                        + " (authentication EXTERNAL)") + "; retrying cannot help", e);
            }
            Listeners listeners = listeners(e);
            String otherKind = String.join(",", listeners.otherKind());
            if (listeners.allOtherKind()) {
                throw new AccessRefusedException(config.tls()
                        ? TlsMismatch.tlsAtPlaintextListener("RabbitMQ at " + otherKind,
                                TlsMismatch.answeredInPlaintext(TlsMismatch.plaintextAnswer(e)
                                        .orElse("the AMQP protocol header")), TLS_SETTINGS)
                        : TlsMismatch.plaintextAtTlsListener("RabbitMQ at " + otherKind, TLS_SETTINGS), e);
            }
            throw new BrokerUnavailableException("cannot connect to RabbitMQ at " + where()
                    + " vhost '" + config.virtualHost() + "' as " + who(null) + ": " + describe(e)
                    + "; check that the broker runs and the credentials and vhost are right"
                    + (otherKind.isEmpty() ? "" : config.tls()
                    ? "; " + otherKind + " answered a TLS handshake in plaintext: give the port of its TLS listener"
                    : "; " + otherKind + " answered a TLS handshake: it is a TLS listener, turn TLS on ("
                    + TLS_SETTINGS + ")"), e);
        }
    }

    private boolean external() {
        return config.authentication() == AuthenticationMechanism.EXTERNAL;
    }

    /**
     * Who logs in, for messages: {@code user 'name'}, or with EXTERNAL the client certificate (by its subject when
     * {@code socket} completed a TLS handshake that sent one).
     */
    private String who(Socket socket) {
        if (!external()) {
            return "user '" + config.username() + "'";
        }
        return certificateSubject(socket).map(s -> "the client certificate '" + s + "' (EXTERNAL login)")
                .orElse("the client certificate (EXTERNAL login)");
    }

    /**
     * The subject of the certificate the client sent in {@code socket}'s TLS handshake, if any. Only for a socket whose
     * handshake completed (the broker answered over it): on one that has not, {@code getSession()} would start one.
     */
    private static Optional<String> certificateSubject(Socket socket) {
        if (!(socket instanceof SSLSocket ssl)) {
            return Optional.empty();
        }
        try {
            Principal principal = ssl.getSession().getLocalPrincipal();
            return principal == null ? Optional.empty() : Optional.of(principal.getName());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The CN of a subject such as {@code CN=app,O=corp}. */
    private static Optional<String> commonName(String subject) {
        try {
            return new LdapName(subject).getRdns().stream().filter(r -> r.getType().equalsIgnoreCase("CN"))
                    .map(r -> r.getValue().toString()).reduce((first, last) -> last);
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }

    /** The user of RabbitMQ's {@code NOT_ALLOWED - access to vhost '/' refused for user 'name'}. */
    private static Optional<String> userOf(String replyText) {
        Matcher m = REFUSED_USER.matcher(replyText == null ? "" : replyText);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
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

    /**
     * Which of the addresses answered a TLS handshake as a listener of the other kind than the client's (a TLS client's
     * ClientHello answered with RabbitMQ's plaintext protocol header, a plaintext client's with TLS), asked on a
     * connection of Keel's own once a connection failed after reaching its listener (not refused, not a certificate
     * problem: those say what they are). A listener that answers nothing (a node starting or stopping) is of no kind.
     */
    private Listeners listeners(Exception failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException) {
                return new Listeners(List.of(), false);
            }
        }
        List<String> otherKind = new ArrayList<>();
        boolean all = true;
        for (Address address : addresses()) {
            int port = address.getPort() > 0 ? address.getPort() : config.port();
            Duration wait = config.connectionTimeout().compareTo(MAX_ASK) < 0 ? config.connectionTimeout() : MAX_ASK;
            TlsMismatch.Answer answer = TlsMismatch.answerToClientHello(address.getHost(), port,
                    config.connectionTimeout(), wait);
            if (answer == (config.tls() ? TlsMismatch.Answer.OTHER : TlsMismatch.Answer.TLS)) {
                otherKind.add(address.getHost() + ":" + port);
            } else {
                all = false;
            }
        }
        return new Listeners(otherKind, all && !otherKind.isEmpty());
    }

    /** The addresses whose listener is of the other kind, and whether that is every address. */
    private record Listeners(List<String> otherKind, boolean allOtherKind) {
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
