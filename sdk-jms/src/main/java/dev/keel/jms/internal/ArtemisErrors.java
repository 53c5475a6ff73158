package dev.keel.jms.internal;

import jakarta.jms.IllegalStateException;
import jakarta.jms.InvalidDestinationException;
import jakarta.jms.JMSException;
import jakarta.jms.ResourceAllocationException;
import dev.keel.spi.support.TlsMismatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;

/** Artemis's client failures: {@link ActiveMQExceptionType}s under the JMS exceptions. */
final class ArtemisErrors implements BrokerErrors {
    private static final Permissions PERMISSIONS = new Permissions("'send' on the topic's address",
            "'consume' on the group's queue", "what declaring needs on the topic's address and queues (createAddress, "
            + "createDurableQueue)", "in the broker's security-settings");

    /** Artemis's refusal of an operation: the permission, the queue when there is one, the address. */
    private static final Pattern REFUSED = Pattern.compile(
            "permission='([A-Z_]+)'(?: for queue (\\S+))? on address ([^\\s\\]]+)");

    /** Where a client's TLS is turned on, for a message about a listener of the other kind. */
    private static final String TLS_SETTINGS = "sslEnabled=true with trustStorePath (and keyStorePath) in the url of "
            + "ArtemisConfig; keel.artemis.url with the Spring Boot starter";
    private static final Duration ASK_CONNECT = Duration.ofSeconds(5);
    /** How long an acceptor's answer is waited for (a plaintext one says nothing to a ClientHello: this long). */
    private static final Duration ASK_WAIT = Duration.ofSeconds(2);
    /**
     * What the Artemis core client sends first on a plaintext connection (its handshake, {@code ARTEMIS}), then a core
     * PING on channel 0 (length 17, type 10, channel 0, connection TTL 60 s), which a plaintext core acceptor answers
     * with the same PING: silence to a TLS ClientHello proves nothing, this answer does.
     */
    private static final byte[] CORE_PING = ByteBuffer.allocate(7 + 4 + 1 + 8 + 8)
            .put("ARTEMIS".getBytes(StandardCharsets.US_ASCII)).putInt(17).put((byte) 10).putLong(0).putLong(60_000)
            .array();

    private final ArtemisTlsProbe tls;
    private final ListenerKinds listeners;

    /**
     * @param url the client's URL: for a TLS one, a failed connection is probed for a certificate problem; any failed
     *            connection for a listener of the other kind
     */
    ArtemisErrors(String url) {
        this.tls = ArtemisTlsProbe.of(url);
        boolean sslEnabled = tls.tls();
        int query = url.indexOf('?');
        this.listeners = new ListenerKinds("ActiveMQ Artemis", ListenerKinds.servers(query < 0 ? url
                : url.substring(0, query), scheme -> sslEnabled), ArtemisErrors::otherKind, TLS_SETTINGS);
    }

    /**
     * What {@code server} is, asked on a connection of Keel's own: a plaintext acceptor answers a plaintext core PING
     * (it says nothing to a ClientHello, and a TLS client's handshake times out), a TLS acceptor answers a TLS
     * ClientHello. A TLS client asks the PING; a plaintext client asks the PING (answered: its own kind), then, if the
     * PING's connection was made, the ClientHello.
     */
    private static ListenerKinds.Reply otherKind(ListenerKinds.Server server) {
        TlsMismatch.Reply ping = TlsMismatch.ask(server.host(), server.port(), CORE_PING, 5, ASK_CONNECT, ASK_WAIT);
        byte[] answer = ping.bytes();
        boolean pingAnswered = answer.length >= 5
                && Arrays.equals(Arrays.copyOf(answer, 5), new byte[] {0, 0, 0, 17, 10});
        if (server.tls()) {
            if (pingAnswered) {
                return ListenerKinds.Reply.otherKind("it answered a plaintext core-protocol ping (the client's TLS "
                        + "handshake got no answer)");
            }
            if (TlsMismatch.isTlsRecord(answer)) {
                return ListenerKinds.Reply.of(ListenerKinds.Kind.OWN);
            }
            return ListenerKinds.Reply.of(ping.silent() && answer.length == 0 ? ListenerKinds.Kind.SILENT
                    : ListenerKinds.Kind.NONE);
        }
        if (pingAnswered) {
            return ListenerKinds.Reply.of(ListenerKinds.Kind.OWN);
        }
        if (!ping.reached()) {
            return ListenerKinds.Reply.of(ListenerKinds.Kind.NONE); // nothing to ask a second time
        }
        return switch (TlsMismatch.answerToClientHello(server.host(), server.port(), ASK_CONNECT, ASK_WAIT)) {
            case TLS -> ListenerKinds.Reply.otherKind("it answered a TLS handshake");
            case SILENT -> ListenerKinds.Reply.of(ListenerKinds.Kind.SILENT);
            case OTHER, NONE -> ListenerKinds.Reply.of(ListenerKinds.Kind.NONE);
        };
    }

    /**
     * A connection that could not be made ({@code AMQ219007}: cannot connect; {@code AMQ219013}: no topology in time,
     * what a plaintext client at a TLS acceptor gets) with every server of the URL a listener of the other kind than
     * the client's. A connection lost once made is not asked about: it was of the right kind.
     */
    @Override
    public Optional<String> listenerMismatch(Throwable e) {
        ActiveMQExceptionType type = typeOf(e);
        return type == ActiveMQExceptionType.NOT_CONNECTED || type == ActiveMQExceptionType.CONNECTION_TIMEDOUT
                ? listeners.mismatch(e) : Optional.empty();
    }

    @Override
    public String where() {
        return listeners.where();
    }

    /**
     * The client's own handshake failure when it is in the chain, else, for a connection that failed or timed out on
     * a TLS URL, what the broker says to a connection that only listens ({@link ArtemisTlsProbe}).
     */
    @Override
    public Optional<String> certificateProblem(Throwable e) {
        Optional<String> direct = BrokerErrors.super.certificateProblem(e);
        if (direct.isPresent() || !isConnectionLoss(e)) {
            return direct;
        }
        return tls.certificateProblem();
    }

    @Override
    public boolean isSecurity(Throwable e) {
        return typeOf(e) == ActiveMQExceptionType.SECURITY_EXCEPTION;
    }

    /** Artemis's {@code AMQ229031: Unable to validate user}. */
    @Override
    public boolean isLoginRefused(String text) {
        return text.contains("AMQ229031") || text.contains("Unable to validate user");
    }

    /**
     * From Artemis's {@code AMQ229032}/{@code AMQ229213} ({@code User: u does not have permission='CREATE_ADDRESS'
     * for queue q on address a}): {@code 'createAddress' on address 'a' (queue 'q')}, the permission as broker.xml's
     * security-settings spell it.
     */
    @Override
    public Optional<String> refusedPermission(String text) {
        Matcher m = REFUSED.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        String permission = camelCase(m.group(1));
        String queue = m.group(2);
        String address = m.group(3);
        return Optional.of("'" + permission + "' on address '" + address + "'"
                + (queue == null || queue.equals(address) ? "" : " (queue '" + queue + "')"));
    }

    /** {@code CREATE_NON_DURABLE_QUEUE} as {@code createNonDurableQueue}. */
    private static String camelCase(String constant) {
        StringBuilder b = new StringBuilder();
        for (String word : constant.toLowerCase(Locale.ROOT).split("_")) {
            b.append(b.isEmpty() || word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
        }
        return b.toString();
    }

    @Override
    public boolean isConnectionLoss(Throwable e) {
        ActiveMQExceptionType type = typeOf(e);
        return e instanceof IllegalStateException || type == ActiveMQExceptionType.NOT_CONNECTED
                || type == ActiveMQExceptionType.CONNECTION_TIMEDOUT || type == ActiveMQExceptionType.DISCONNECTED
                || type == ActiveMQExceptionType.OBJECT_CLOSED || type == ActiveMQExceptionType.UNBLOCKED
                || type == ActiveMQExceptionType.SESSION_CREATION_REJECTED;
    }

    @Override
    public boolean isMissingDestination(Throwable e) {
        return e instanceof InvalidDestinationException || typeOf(e) == ActiveMQExceptionType.ADDRESS_DOES_NOT_EXIST;
    }

    @Override
    public boolean isFull(Throwable e) {
        return e instanceof ResourceAllocationException || typeOf(e) == ActiveMQExceptionType.ADDRESS_FULL;
    }

    /**
     * {@code AMQ149005}: the message's encoded size, its properties (headers, id, key) above all, is over what the
     * broker's journal takes in one record ({@code journal-buffer-size}, about 490 KiB by default). The same message
     * is refused again however often it is sent.
     */
    @Override
    public boolean isRefusedMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("AMQ149005")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Permissions permissions() {
        return PERMISSIONS;
    }

    /** The Artemis error type under a JMS exception, or null. */
    static ActiveMQExceptionType typeOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ActiveMQException a) {
                return a.getType();
            }
            if (t instanceof JMSException j && j.getLinkedException() instanceof ActiveMQException a) {
                return a.getType();
            }
        }
        return null;
    }
}
