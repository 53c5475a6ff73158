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
 * answers as the other kind is it a mismatch; a server that refuses or ends the connection, or answers as its own
 * kind, is not one (a broker stopped, starting, or since reconfigured), whatever was found before. A server that
 * takes the connection and says nothing within the wait proves nothing by itself: within a minute of a mismatch found
 * at these servers, with no server refusing, ending or answering as the client's kind since, it is taken for the same
 * mismatch (a listener's kind is its configuration, and a listener slow to greet under load answered nothing when
 * asked again), else for an outage. An answer is reused without asking for a moment, so that the many sends a lost
 * connection fails at once do not each ask: a mismatch for a second, no mismatch for a few seconds.
 */
final class ListenerKinds {
    /** {@code scheme://host:port} of each server of a URL, also inside {@code failover:(...)} or {@code (...)}. */
    private static final Pattern SERVER = Pattern.compile("([a-z][a-z0-9+]*)://([^:/?,()\\s]+):(\\d+)");
    /** How long no mismatch is reused without asking again. */
    private static final long NO_MISMATCH_REUSED_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How long a mismatch is reused without asking again: a burst of failures asks once. */
    static final long MISMATCH_REUSED_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long a mismatch found settles a server's silence. */
    static final long MISMATCH_REMEMBERED_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** One server of the URL, and whether the client speaks TLS to it. */
    record Server(String host, int port, boolean tls) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** What a server's answer showed it to be. */
    enum Kind {
        /** A listener of the other kind than the client's. */
        OTHER,
        /** A listener of the client's own kind. */
        OWN,
        /** Not there, or not telling: it refused or ended the connection, or answered something else. */
        NONE,
        /** Nothing within the wait, on a connection it kept open. */
        SILENT
    }

    /** What a server answered, and for {@link Kind#OTHER} the evidence (how it answered). */
    record Reply(Kind kind, Optional<String> evidence) {
        static Reply otherKind(String evidence) {
            return new Reply(Kind.OTHER, Optional.of(evidence));
        }

        static Reply of(Kind kind) {
            return new Reply(kind, Optional.empty());
        }
    }

    /** Asks one server whether it is a listener of the other kind. */
    interface Question {
        Reply ask(Server server);
    }

    private final String broker;
    private final List<Server> servers;
    private final Question question;
    private final String tlsSettings;
    private final LongSupplier nanoTime;
    private boolean asked;
    private long askedNanos;
    private Optional<String> answer = Optional.empty();
    /** The last mismatch found, and when: it settles a silence for {@link #MISMATCH_REMEMBERED_NANOS}. */
    private Optional<String> found = Optional.empty();
    private long foundNanos;

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
        long now = nanoTime.getAsLong();
        if (direct.isPresent() && servers.size() == 1 && servers.get(0).tls()) {
            return found(message(servers.get(0), TlsMismatch.answeredInPlaintext(direct.get())), now);
        }
        if (asked && now - askedNanos < (answer.isPresent() ? MISMATCH_REUSED_NANOS : NO_MISMATCH_REUSED_NANOS)) {
            return answer;
        }
        Optional<String> evidence = Optional.empty();
        boolean silence = false;
        for (Server server : servers) {
            Reply reply = question.ask(server);
            switch (reply.kind()) {
                case OTHER -> evidence = evidence.or(reply::evidence);
                case SILENT -> silence = true;
                case OWN, NONE -> {
                    // of the client's kind now, or gone (a listener that comes back may be configured otherwise): what
                    // was found no longer settles a silence
                    found = Optional.empty();
                    return reuse(Optional.empty(), nanoTime.getAsLong());
                }
            }
        }
        long answered = nanoTime.getAsLong();
        if (silence) {
            // no server said it is of the client's kind, and one said nothing: the mismatch found lately, if any
            // (a silence does not renew it: a server silent for good is an outage once the minute is over)
            boolean recent = found.isPresent() && answered - foundNanos < MISMATCH_REMEMBERED_NANOS;
            return reuse(recent ? found : Optional.empty(), answered);
        }
        return evidence.isPresent() ? found(message(servers.get(0), evidence.get()), answered)
                : reuse(Optional.empty(), answered);
    }

    /** A mismatch the servers (or the client's own failure) proved at {@code nanos}. */
    private Optional<String> found(String mismatch, long nanos) {
        found = Optional.of(mismatch);
        foundNanos = nanos;
        return reuse(found, nanos);
    }

    /** {@code answer}, reused without asking for a moment from {@code nanos}. */
    private Optional<String> reuse(Optional<String> mismatch, long nanos) {
        answer = mismatch;
        asked = true;
        askedNanos = nanos;
        return mismatch;
    }

    /** The message naming every server ({@link #where()}); {@code server} tells which way the kinds differ. */
    private String message(Server server, String evidence) {
        String at = broker + " at " + where();
        return server.tls() ? TlsMismatch.tlsAtPlaintextListener(at, evidence, tlsSettings)
                : TlsMismatch.plaintextAtTlsListener(at, tlsSettings);
    }
}
