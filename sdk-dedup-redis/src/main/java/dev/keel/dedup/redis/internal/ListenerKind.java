package dev.keel.dedup.redis.internal;

import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.support.TlsMismatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import redis.clients.jedis.HostAndPort;

/**
 * Whether the Redis a store is pointed at is a listener of the other kind than the store's: a TLS store at a plaintext
 * Redis (its handshake waits for an answer that never comes), or a plaintext store at a TLS-only one (its connection
 * reset). Asked on a connection of its own that sends no credentials, and only while this store has never had an
 * answer from Redis: a listener that answered the store's commands is of the store's kind. It is a mismatch only when
 * the listener answers as the other kind and not as the store's own (a port that takes both, as some managed services
 * offer, is none): a plaintext {@code PING} answered with a RESP reply, a TLS ClientHello answered with TLS. An answer
 * is reused for a few seconds, so that the calls failing together, and each retry, do not each ask.
 */
public final class ListenerKind {

    /** What a listener answered: whether as a plaintext Redis, whether as a TLS one. */
    record Answers(boolean plaintext, boolean tls) {
    }

    /** Asks the listener at {@code node} how it answers each kind, for a store that does or does not use TLS. */
    interface Question {
        Answers ask(HostAndPort node, boolean storeUsesTls);
    }

    private static final byte[] PLAIN_PING = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final String TLS_SETTINGS = "RedisStoreConfig ssl(true), sslSocketFactory(...) or a rediss:// URI";

    private final RedisStoreConfig config;
    private final Question question;
    private volatile boolean answeredOnce;
    private final RecentAnswer<Optional<String>> recent;

    public ListenerKind(RedisStoreConfig config) {
        this(config, (node, tls) -> ask(config, node, tls), System::nanoTime);
    }

    ListenerKind(RedisStoreConfig config, Question question, LongSupplier nanoTime) {
        this.config = config;
        this.question = question;
        this.recent = new RecentAnswer<>(nanoTime);
    }

    /** Redis answered one of the store's calls: it is of the store's kind, and is not asked again. */
    public void answered() {
        answeredOnce = true;
    }

    /** What to say when the listener is of the other kind than the store's, else empty. */
    public Optional<String> mismatch() {
        return answeredOnce ? Optional.empty() : recent.get(this::askNow);
    }

    private Optional<String> askNow() {
        Answers answers = question.ask(StoreFailures.firstNode(config), config.ssl());
        String at = config.describeEndpoint();
        if (config.ssl() && answers.plaintext() && !answers.tls()) {
            return Optional.of(at + " is a plaintext listener: it answered a plaintext PING, and the store is"
                    + " configured for TLS (" + TLS_SETTINGS + "). Give the port of Redis's TLS listener (its"
                    + " tls-port), or connect without TLS if it has none; retrying cannot help");
        }
        if (!config.ssl() && answers.tls() && !answers.plaintext()) {
            return Optional.of(at + " is a TLS listener: it answered a TLS handshake, and the store connects to it"
                    + " without TLS. Turn TLS on in the store (" + TLS_SETTINGS + "), or give the port of Redis's"
                    + " plaintext listener; retrying cannot help");
        }
        return Optional.empty();
    }

    /** The other kind first; the store's own kind only when the other answered (a port taking both is no mismatch). */
    private static Answers ask(RedisStoreConfig config, HostAndPort node, boolean storeUsesTls) {
        Duration wait = StoreFailures.listenWait(config);
        if (storeUsesTls) {
            boolean plaintext = answersPing(config, node, wait);
            return new Answers(plaintext, plaintext && answersTls(config, node, wait));
        }
        boolean tls = answersTls(config, node, wait);
        return new Answers(tls && answersPing(config, node, wait), tls);
    }

    private static boolean answersPing(RedisStoreConfig config, HostAndPort node, Duration wait) {
        byte[] reply = TlsMismatch.answerTo(node.getHost(), node.getPort(), PLAIN_PING, 1, config.connectTimeout(),
                wait);
        return reply.length > 0 && (reply[0] == '+' || reply[0] == '-');
    }

    private static boolean answersTls(RedisStoreConfig config, HostAndPort node, Duration wait) {
        return TlsMismatch.answerToClientHello(node.getHost(), node.getPort(), config.connectTimeout(), wait)
                == TlsMismatch.Answer.TLS;
    }
}
