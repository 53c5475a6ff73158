package dev.keel.dedup.redis.internal;

import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.support.TlsFailures;
import java.util.Optional;
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

    private final Supplier<Optional<String>> question;
    private final RecentAnswer<Optional<String>> recent;

    public CertificateRefusal(RedisStoreConfig config) {
        this(() -> listen(config), System::nanoTime);
    }

    CertificateRefusal(Supplier<Optional<String>> question, LongSupplier nanoTime) {
        this.question = question;
        this.recent = new RecentAnswer<>(nanoTime);
    }

    /** A call succeeded: what was heard before is not reused (a later failure is of another kind). */
    public void answered() {
        recent.forget();
    }

    /** The certificate problem the server's alert names, else empty. */
    public Optional<String> problem() {
        return recent.get(question);
    }

    private static Optional<String> listen(RedisStoreConfig config) {
        HostAndPort node = StoreFailures.firstNode(config);
        SSLSocketFactory factory = config.sslSocketFactory() != null ? config.sslSocketFactory()
                : (SSLSocketFactory) SSLSocketFactory.getDefault();
        return TlsFailures.listenForRefusal(factory, node.getHost(), node.getPort(), config.connectTimeout(),
                StoreFailures.listenWait(config));
    }
}
