package dev.keel.dedup.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.KeelException;
import dev.keel.StoreUnavailableException;
import dev.keel.dedup.redis.RedisStoreConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * When a TLS store listens for the alert of a server that dropped its handshake: at most once every few seconds, so
 * that a listener that accepts and closes every connection is not sent one more connection per failed call.
 */
class CertificateRefusalTest {

    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger asked = new AtomicInteger();

    @Test
    void failuresTogetherAndRetriesShouldListenOnceEveryFewSeconds() {
        CertificateRefusal refusal = new CertificateRefusal(() -> {
            asked.incrementAndGet();
            return Optional.empty();
        }, nanos::get);
        for (int i = 0; i < 50; i++) {
            assertThat(refusal.problem()).isEmpty();
            nanos.addAndGet(RecentAnswer.REUSED_NANOS / 50 - 1);
        }
        assertThat(asked).hasValue(1);

        nanos.addAndGet(RecentAnswer.REUSED_NANOS);
        refusal.problem();

        assertThat(asked).hasValue(2);
    }

    @Test
    void aRefusalHeardShouldBeReusedTooAndAskedAgainLater() {
        CertificateRefusal refusal = new CertificateRefusal(() -> {
            asked.incrementAndGet();
            return Optional.of("the server does not accept the client's certificate");
        }, nanos::get);

        assertThat(refusal.problem()).contains("the server does not accept the client's certificate");
        assertThat(refusal.problem()).contains("the server does not accept the client's certificate");
        assertThat(asked).hasValue(1);

        nanos.addAndGet(RecentAnswer.REUSED_NANOS + 1);
        refusal.problem();
        assertThat(asked).hasValue(2);
    }

    @Test
    void aCallThatSucceededShouldEndTheReuse() {
        CertificateRefusal refusal = new CertificateRefusal(() -> {
            asked.incrementAndGet();
            return Optional.of("the server does not accept the client's certificate");
        }, nanos::get);
        refusal.problem();

        refusal.answered();
        refusal.problem();

        assertThat(asked).hasValue(2);
    }

    @Test
    void manyFailedCallsAtAListenerThatResetsEveryConnectionShouldOpenAtMostTwoMoreConnections() throws Exception {
        try (ResettingListener listener = new ResettingListener()) {
            RedisStoreConfig config = RedisStoreConfig.custom().host("127.0.0.1").port(listener.port()).ssl(true)
                    .connectTimeout(Duration.ofSeconds(1)).socketTimeout(Duration.ofSeconds(1)).build();
            RuntimeException dropped = handshakeDroppedAt(listener.port());
            int before = listener.accepted();
            ListenerKind kind = new ListenerKind(config);
            CertificateRefusal certificate = new CertificateRefusal(config);

            for (int i = 0; i < 20; i++) {
                KeelException failure = StoreFailures.translate(dropped, config, kind, certificate);
                assertThat(failure).isInstanceOf(StoreUnavailableException.class);
            }

            // one connection to listen for a certificate alert, one to ask whether it is a plaintext Redis
            assertThat(listener.accepted() - before).isEqualTo(2);
        }
    }

    /** What Jedis throws when a TLS connection's handshake is dropped by the listener. */
    private static RuntimeException handshakeDroppedAt(int port) {
        try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder().ssl(true)
                .connectionTimeoutMillis(1000).socketTimeoutMillis(1000).build())) {
            jedis.ping();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("a TLS PING at a listener that resets every connection succeeded");
    }

    /** A listener on 127.0.0.1 that accepts every connection and resets it once the client spoke, counting them. */
    private static final class ResettingListener implements AutoCloseable {

        private final ServerSocket server;
        private final AtomicInteger accepted = new AtomicInteger();

        ResettingListener() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket socket = server.accept();
                        accepted.incrementAndGet();
                        resetOnceSpoken(socket);
                    }
                } catch (IOException closed) {
                    // closed
                }
            }, "resetting-listener");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /** Reads what the client sends first, then resets: what a proxy with no backend, or a refusing server, does. */
        private static void resetOnceSpoken(Socket socket) {
            try (socket) {
                socket.setSoLinger(true, 0);
                socket.getInputStream().read(new byte[512]);
            } catch (IOException gone) {
                // the client left first
            }
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
