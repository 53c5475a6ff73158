package dev.keel.rocket.internal;

import dev.keel.rocket.RocketConfig;
import dev.keel.spi.support.TlsMismatch;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;

/**
 * Whether the name servers are listeners of the other kind than the adapter's: a plaintext client at name servers
 * that speak TLS only ({@code tls.server.mode=enforcing}, which close a plaintext connection without a word), or a
 * client configured for TLS at name servers that do not speak it ({@code disabled}, which close at the ClientHello).
 * rocketmq-client reports both as a request that could not be sent, as it does when the name server is away. So after
 * such a failure each name server is asked on a connection of Keel's own, which sends no credentials, both questions:
 * does it answer a plaintext request (the cluster's brokers, a client's first), and does it answer a TLS ClientHello
 * with TLS. A name server of the other kind answers only the other one; one in {@code permissive} mode answers both
 * (either client works with it), and one that answers neither (starting, stopping, cut off) proves nothing: those are
 * no mismatch. Every name server must be of the other kind. The answer is remembered for a few seconds per name
 * server list, so that the requests failing together ask once.
 */
final class RocketListeners {
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(2);
    private static final long REMEMBERED_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Map<String, Asked> ASKED = new ConcurrentHashMap<>();

    private record Asked(long atNanos, Optional<String> mismatch) {
    }

    private RocketListeners() {
    }

    /**
     * What to say when every name server of {@code config} is a listener of the other kind than the adapter's (TLS or
     * plaintext), empty otherwise. Blocks for up to a few seconds per name server; call it after a failure only.
     */
    static Optional<String> mismatch(RocketConfig config) {
        String key = config.tls() + " " + config.nameServer();
        long now = System.nanoTime();
        Asked last = ASKED.get(key);
        if (last != null && now - last.atNanos() < REMEMBERED_NANOS) {
            return last.mismatch();
        }
        Optional<String> mismatch = ask(config);
        ASKED.put(key, new Asked(System.nanoTime(), mismatch));
        return mismatch;
    }

    private static Optional<String> ask(RocketConfig config) {
        String[] addresses = config.nameServer().split(";");
        for (String address : addresses) {
            String trimmed = address.trim();
            int colon = trimmed.lastIndexOf(':');
            if (colon < 0) {
                return Optional.empty();
            }
            String host = trimmed.substring(0, colon);
            int port;
            try {
                port = Integer.parseInt(trimmed.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            boolean plaintext = answersPlaintext(host, port);
            boolean tls = TlsMismatch.answerToClientHello(host, port, CONNECT, WAIT) == TlsMismatch.Answer.TLS;
            if (config.tls() ? (tls || !plaintext) : (plaintext || !tls)) {
                return Optional.empty();
            }
        }
        String at = "the RocketMQ name server" + (addresses.length > 1 ? "s" : "") + " at " + config.nameServer();
        return Optional.of(config.tls()
                ? TlsMismatch.tlsAtPlaintextListener(at, "it answered a plaintext request (and closed the connection at "
                + "a TLS ClientHello: its tls.server.mode is disabled)", "RocketConfig tls(...); keel.rocket.tls-trusted-"
                + "certificates with the Spring Boot starter")
                : TlsMismatch.plaintextAtTlsListener(at, "RocketConfig tls(...) and clientCertificate(...); "
                + "keel.rocket.tls-trusted-certificates and .tls-client-* with the Spring Boot starter. Its "
                + "tls.server.mode is enforcing: permissive would take both"));
    }

    /** Whether {@code host:port} answers a plaintext request for the cluster's brokers as a RocketMQ server does. */
    private static boolean answersPlaintext(String host, int port) {
        ByteBuffer request = RemotingCommand.createRequestCommand(RequestCode.GET_BROKER_CLUSTER_INFO, null).encode();
        byte[] bytes = new byte[request.remaining()];
        request.get(bytes);
        byte[] answer = TlsMismatch.answerTo(host, port, bytes, 9, CONNECT, WAIT);
        // length, then the serialization type (0 JSON, 1 RocketMQ's own) and the header's length, then the header
        return answer.length >= 9 && (answer[4] == 1 || answer[4] == 0 && answer[8] == '{');
    }
}
