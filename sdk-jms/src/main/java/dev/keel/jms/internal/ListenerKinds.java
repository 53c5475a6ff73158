package dev.keel.jms.internal;

import dev.keel.spi.support.TlsMismatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Whether the servers of an ActiveMQ URL are listeners of the other kind than the client's: a client configured for
 * TLS at a plaintext acceptor or connector, or a plaintext client at a TLS one. The ActiveMQ clients report both as a
 * connection that failed or timed out, as they report a broker that is away; so after such a failure each server is
 * asked on a connection of Keel's own ({@link TlsMismatch}), which sends no credentials. Only when every server
 * answers as the other kind is it a mismatch; a server that answers nothing (starting, stopping, cut off) proves
 * nothing. The answer is remembered, so that the many sends a lost connection fails at once do not each ask again:
 * that no server is of the other kind for a few seconds (a broker may come back), that they are for a minute (a
 * listener's kind is its configuration: asked again at once, a server slow to greet under load may answer nothing,
 * and a publish refused as a mismatch was followed by a subscription told the broker was away).
 */
final class ListenerKinds {
    /** {@code scheme://host:port} of each server of a URL, also inside {@code failover:(...)} or {@code (...)}. */
    private static final Pattern SERVER = Pattern.compile("([a-z][a-z0-9+]*)://([^:/?,()\\s]+):(\\d+)");
    private static final long REMEMBERED_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How long a mismatch found is remembered. */
    static final long MISMATCH_REMEMBERED_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** One server of the URL, and whether the client speaks TLS to it. */
    record Server(String host, int port, boolean tls) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** Asks one server whether it is a listener of the other kind: the evidence when it is, empty otherwise. */
    interface Question {
        Optional<String> otherKind(Server server);
    }

    private final String broker;
    private final List<Server> servers;
    private final Question question;
    private final String tlsSettings;
    private final LongSupplier nanoTime;
    private long askedNanos;
    private boolean asked;
    private Optional<String> answer = Optional.empty();

    /**
     * @param broker      the broker's name in messages ({@code ActiveMQ Artemis})
     * @param servers     the URL's servers
     * @param question    how a server is asked
     * @param tlsSettings where the client's TLS is turned on, for the message
     */
    ListenerKinds(String broker, List<Server> servers, Question question, String tlsSettings) {
        this(broker, servers, question, tlsSettings, System::nanoTime);
    }

    ListenerKinds(String broker, List<Server> servers, Question question, String tlsSettings, LongSupplier nanoTime) {
        this.broker = broker;
        this.servers = List.copyOf(servers);
        this.question = question;
        this.tlsSettings = tlsSettings;
        this.nanoTime = nanoTime;
    }

    /** The servers of {@code url}; {@code tls} tells, from a server's scheme, whether the client speaks TLS to it. */
    static List<Server> servers(String url, java.util.function.Predicate<String> tls) {
        List<Server> servers = new ArrayList<>();
        Matcher m = SERVER.matcher(url);
        while (m.find()) {
            servers.add(new Server(m.group(2), Integer.parseInt(m.group(3)), tls.test(m.group(1))));
        }
        return servers;
    }

    /** The URL's servers as {@code host:port}, comma-separated (never its parameters, which may hold passwords). */
    String where() {
        return servers.stream().map(Server::toString).collect(Collectors.joining(","));
    }

    /**
     * What to say when the failure {@code e} is explained by listeners of the other kind, else empty: the client's
     * own TLS failure when it proves it (a handshake answered in plaintext, with one server), else the servers' answers.
     */
    synchronized Optional<String> mismatch(Throwable e) {
        if (servers.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> direct = TlsMismatch.plaintextAnswer(e);
        if (direct.isPresent() && servers.size() == 1 && servers.get(0).tls()) {
            return Optional.of(message(servers.get(0), TlsMismatch.answeredInPlaintext(direct.get())));
        }
        long now = nanoTime.getAsLong();
        if (asked && now - askedNanos < (answer.isPresent() ? MISMATCH_REMEMBERED_NANOS : REMEMBERED_NANOS)) {
            return answer;
        }
        Optional<String> evidence = Optional.empty();
        for (Server server : servers) {
            Optional<String> kind = question.otherKind(server);
            if (kind.isEmpty()) {
                evidence = Optional.empty();
                break;
            }
            evidence = evidence.or(() -> kind);
        }
        answer = evidence.map(first -> message(servers.get(0), first));
        asked = true;
        askedNanos = nanoTime.getAsLong();
        return answer;
    }

    /** The message naming every server ({@link #where()}); {@code server} tells which way the kinds differ. */
    private String message(Server server, String evidence) {
        String at = broker + " at " + where();
        return server.tls() ? TlsMismatch.tlsAtPlaintextListener(at, evidence, tlsSettings)
                : TlsMismatch.plaintextAtTlsListener(at, tlsSettings);
    }
}
