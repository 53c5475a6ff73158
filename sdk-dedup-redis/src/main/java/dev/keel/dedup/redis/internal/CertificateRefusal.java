package dev.keel.dedup.redis.internal;

import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.support.TlsFailures;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.HostAndPort;

/**
 * What a TLS Redis that dropped the store's connection says about the certificates, heard on a connection of the
 * store's own that completes the handshake and only listens ({@link TlsFailures#listenForRefusal}). The answer, a
 * certificate problem or none, is reused for a few seconds, until a call succeeds: the calls that fail together, and
 * each retry, would otherwise open one more connection each to a listener that drops them.
 */
public final class CertificateRefusal {

    static final long REUSED_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Supplier<Optional<String>> question;
    private final LongSupplier nanoTime;
    /** Whether {@link #answer} holds what was heard lately ({@link #REUSED_NANOS}), and no call succeeded since. */
    private volatile boolean asked;
    private long askedNanos;
    private Optional<String> answer = Optional.empty();

    public CertificateRefusal(RedisStoreConfig config) {
        this(() -> listen(config), System::nanoTime);
    }

    CertificateRefusal(Supplier<Optional<String>> question, LongSupplier nanoTime) {
        this.question = question;
        this.nanoTime = nanoTime;
    }

    /** A call succeeded: what was heard before is not reused (a later failure is of another kind). */
    public void answered() {
        if (asked) {
            asked = false;
        }
    }

    /** The certificate problem the server's alert names, else empty. */
    public synchronized Optional<String> problem() {
        if (asked && nanoTime.getAsLong() - askedNanos < REUSED_NANOS) {
            return answer;
        }
        answer = question.get();
        asked = true;
        askedNanos = nanoTime.getAsLong();
        return answer;
    }

    private static Optional<String> listen(RedisStoreConfig config) {
        HostAndPort node = StoreFailures.firstNode(config);
        SSLSocketFactory factory = config.sslSocketFactory() != null ? config.sslSocketFactory()
                : (SSLSocketFactory) SSLSocketFactory.getDefault();
        return TlsFailures.listenForRefusal(factory, node.getHost(), node.getPort(), config.connectTimeout(),
                StoreFailures.listenWait(config));
    }
}
