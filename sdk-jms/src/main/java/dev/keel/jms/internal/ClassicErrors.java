package dev.keel.jms.internal;

import jakarta.jms.IllegalStateException;
import jakarta.jms.InvalidDestinationException;
import jakarta.jms.JMSException;
import jakarta.jms.ResourceAllocationException;
import dev.keel.spi.support.TlsFailures;
import dev.keel.spi.support.TlsMismatch;
import org.apache.activemq.ConnectionClosedException;
import org.apache.activemq.ConnectionFailedException;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ActiveMQ Classic's client failures: the broker's {@link SecurityException}s arrive as
 * {@code JMSSecurityException}s, a lost or timed-out transport as an {@link IOException} under the JMS
 * exception, a closed session or consumer as an {@link IllegalStateException}.
 */
final class ClassicErrors implements BrokerErrors {
    private static final Permissions PERMISSIONS = new Permissions("'write' on the topic's virtual topic "
            + "(VirtualTopic.<topic>)", "'read' on the group's queue (Consumer.<group>.VirtualTopic.<topic>) and on the "
            + "advisory topics (ActiveMQ.Advisory.>)", "'admin' on the topic's queues (Consumer.*.VirtualTopic.<topic>, "
            + "keel-topic.*.<topic>) and 'read' on the advisory topics (ActiveMQ.Advisory.>)",
            "in the broker's authorizationPlugin");
    /** The first {@code ssl://host:port} of a URL, also inside {@code failover:(...)}. */
    private static final Pattern SSL_SERVER = Pattern.compile("ssl://([^:/?,)]+):(\\d+)");
    private static final Duration PROBE_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROBE_LISTEN = Duration.ofSeconds(1);
    /** How long the question whether a server speaks TLS waits for its answer ({@link TlsMismatch}). */
    private static final Duration ASK_WAIT = Duration.ofSeconds(2);
    /** Where a client's TLS is turned on, for a message about a listener of the other kind. */
    private static final String TLS_SETTINGS = "an ssl:// url of ActiveMQClassicConfig, with trustStore(...) and "
            + "keyStore(...); keel.activemq.url and keel.activemq.ssl-bundle with the Spring Boot starter";

    @Override
    public boolean isSecurity(Throwable e) {
        return any(e, t -> t instanceof SecurityException);
    }

    /** The broker's {@code User name [x] or password is invalid.} */
    @Override
    public boolean isLoginRefused(String text) {
        return text.contains("password is invalid");
    }

    private final Optional<String> tlsHost;
    private final int tlsPort;
    private final ClassicTls tls;
    private final ListenerKinds listeners;

    /**
     * @param url the client's URL: when its (first) server is {@code ssl://host:port}, a failed connection is probed
     *            for a certificate problem
     * @param tls the adapter's TLS material, which the probe uses as the adapter's connections do
     */
    ClassicErrors(String url, ClassicTls tls) {
        this.tls = tls;
        this.listeners = new ListenerKinds("ActiveMQ Classic", ListenerKinds.servers(url, scheme -> scheme.contains(
                "ssl")), ClassicErrors::otherKind, TLS_SETTINGS);
        Matcher ssl = SSL_SERVER.matcher(url);
        if (ssl.find()) {
            this.tlsHost = Optional.of(ssl.group(1));
            this.tlsPort = Integer.parseInt(ssl.group(2));
        } else {
            this.tlsHost = Optional.empty();
            this.tlsPort = 0;
        }
    }

    /**
     * The client's own handshake failure when it is in the chain, else, for a connection lost on an {@code ssl://}
     * URL, what the broker says to a TLS connection that only listens, made as the adapter's connections are made (its
     * own trust and key material, else the JVM's default stores, {@code javax.net.ssl.*}): with TLS 1.3 a broker
     * refuses a client certificate after the client's side of the handshake, and the client sees its connection reset.
     */
    @Override
    public Optional<String> certificateProblem(Throwable e) {
        Optional<String> direct = BrokerErrors.super.certificateProblem(e);
        if (direct.isPresent() || tlsHost.isEmpty() || !isConnectionLoss(e)) {
            return direct;
        }
        return TlsFailures.listenForRefusal(tls.socketFactory(), tlsHost.get(), tlsPort,
                PROBE_CONNECT_TIMEOUT, PROBE_LISTEN);
    }

    /** A connection that failed with every server of the URL a listener of the other kind than the client's. */
    @Override
    public Optional<String> listenerMismatch(Throwable e) {
        return isConnectionLoss(e) ? listeners.mismatch(e) : Optional.empty();
    }

    @Override
    public String where() {
        return listeners.where();
    }

    /**
     * What {@code server} is, by its answer to a TLS ClientHello: a TLS record from a TLS connector; bytes that are not
     * TLS from a plaintext OpenWire connector (it sends its WireFormatInfo first, whatever it is sent).
     */
    private static ListenerKinds.Reply otherKind(ListenerKinds.Server server) {
        TlsMismatch.Answer answer = TlsMismatch.answerToClientHello(server.host(), server.port(),
                PROBE_CONNECT_TIMEOUT, ASK_WAIT);
        return switch (answer) {
            case OTHER -> server.tls() ? ListenerKinds.Reply.otherKind(TlsMismatch.answeredInPlaintext("its OpenWire "
                    + "greeting")) : ListenerKinds.Reply.of(ListenerKinds.Kind.OWN);
            case TLS -> server.tls() ? ListenerKinds.Reply.of(ListenerKinds.Kind.OWN)
                    : ListenerKinds.Reply.otherKind("it answered a TLS handshake");
            case SILENT -> ListenerKinds.Reply.of(ListenerKinds.Kind.SILENT);
            case NONE -> ListenerKinds.Reply.of(ListenerKinds.Kind.NONE);
        };
    }

    @Override
    public boolean isConnectionLoss(Throwable e) {
        return any(e, t -> t instanceof IOException || t instanceof IllegalStateException
                || t instanceof ConnectionFailedException || t instanceof ConnectionClosedException);
    }

    @Override
    public boolean isMissingDestination(Throwable e) {
        return e instanceof InvalidDestinationException;
    }

    @Override
    public boolean isFull(Throwable e) {
        return e instanceof ResourceAllocationException;
    }

    @Override
    public Permissions permissions() {
        return PERMISSIONS;
    }

    /** Whether {@code e}, one of its causes or a JMS exception's linked exception is what {@code kind} looks for. */
    private static boolean any(Throwable e, Predicate<Throwable> kind) {
        int depth = 0;
        for (Throwable t = e; t != null && depth++ < 16; t = t.getCause()) {
            if (kind.test(t) || t instanceof JMSException j && j.getLinkedException() != null
                    && kind.test(j.getLinkedException())) {
                return true;
            }
        }
        return false;
    }
}
