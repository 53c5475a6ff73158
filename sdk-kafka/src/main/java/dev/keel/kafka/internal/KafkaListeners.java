package dev.keel.kafka.internal;

import dev.keel.spi.support.TlsMismatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Whether the bootstrap servers are listeners of the other kind than the client's {@code security.protocol}: a client
 * configured for TLS ({@code SSL}, {@code SASL_SSL}) at a plaintext listener, or a plaintext one at a TLS listener.
 * kafka-clients reports both only as a connection "terminated during authentication" in its log, and its calls time
 * out as they do when the cluster is away. So after a timeout each bootstrap server is asked on a connection of
 * Keel's own that sends no credentials: a TLS client's server whether it answers a plaintext {@code ApiVersions}
 * request (a plaintext listener does; a TLS one answers it with an alert), a plaintext client's whether it answers a
 * TLS ClientHello with TLS. Only when every server answers as the other kind is it a mismatch; a server that answers
 * nothing (a broker starting or stopping) proves nothing. The answer is remembered for a few seconds.
 */
final class KafkaListeners {
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(2);
    private static final long REMEMBERED_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** The correlation id of the question, which a Kafka broker's answer repeats after its length. */
    private static final int CORRELATION_ID = 0x4b65656c;
    private static final byte[] API_VERSIONS = apiVersionsRequest();

    private final boolean tls;
    private final String protocol;
    private final String servers;
    private long askedNanos;
    private boolean asked;
    private Optional<String> answer = Optional.empty();

    /** Of the client properties {@code properties} ({@code bootstrap.servers}, {@code security.protocol}). */
    KafkaListeners(Map<String, Object> properties) {
        Object protocol = properties.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
        this.protocol = protocol == null ? "PLAINTEXT" : protocol.toString().trim().toUpperCase(Locale.ROOT);
        this.tls = this.protocol.endsWith("SSL");
        Object servers = properties.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        this.servers = servers instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList())
                : String.valueOf(servers);
    }

    /**
     * What to say when every bootstrap server is a listener of the other kind than the client's, empty otherwise (or
     * when one could not be asked). Blocks for up to a few seconds per server; call it after a timeout only.
     */
    synchronized Optional<String> mismatch() {
        if (asked && System.nanoTime() - askedNanos < REMEMBERED_NANOS) {
            return answer;
        }
        List<String> addresses = addresses();
        boolean all = !addresses.isEmpty();
        for (String address : addresses) {
            int colon = address.lastIndexOf(':');
            if (colon < 0 || !otherKind(address.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(address.substring(colon + 1)))) {
                all = false;
                break;
            }
        }
        String at = "Kafka at " + servers + " (the bootstrap servers)";
        answer = !all ? Optional.empty() : Optional.of(tls
                ? TlsMismatch.tlsAtPlaintextListener(at, "it answered a plaintext Kafka request (ApiVersions; the "
                + "client's TLS handshake got no answer)", "security.protocol=" + protocol + ", with ssl.truststore."
                + "*; keel.kafka.properties.* with the Spring Boot starter")
                : TlsMismatch.plaintextAtTlsListener(at, "security.protocol=SSL or SASL_SSL (it is " + protocol + "),"
                + " with ssl.truststore.*; keel.kafka.properties.* with the Spring Boot starter"));
        asked = true;
        askedNanos = System.nanoTime();
        return answer;
    }

    private boolean otherKind(String host, int port) {
        if (!tls) {
            return TlsMismatch.answerToClientHello(host, port, CONNECT, WAIT) == TlsMismatch.Answer.TLS;
        }
        byte[] answer = TlsMismatch.answerTo(host, port, API_VERSIONS, 8, CONNECT, WAIT);
        return answer.length >= 8 && ByteBuffer.wrap(answer, 4, 4).getInt() == CORRELATION_ID;
    }

    private List<String> addresses() {
        List<String> addresses = new ArrayList<>();
        for (String server : servers.split(",")) {
            String trimmed = server.trim();
            if (!trimmed.isEmpty()) {
                addresses.add(trimmed);
            }
        }
        try {
            addresses.forEach(a -> Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            return List.of(); // not host:port: nothing to ask
        }
        return addresses;
    }

    /** An {@code ApiVersions} request, version 0 (every broker answers it, before any authentication). */
    private static byte[] apiVersionsRequest() {
        byte[] client = "keel-listener-check".getBytes(StandardCharsets.US_ASCII);
        int size = 2 + 2 + 4 + 2 + client.length;
        return ByteBuffer.allocate(4 + size).putInt(size).putShort((short) 18).putShort((short) 0)
                .putInt(CORRELATION_ID).putShort((short) client.length).put(client).array();
    }
}
