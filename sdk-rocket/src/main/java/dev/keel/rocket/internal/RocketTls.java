package dev.keel.rocket.internal;

import dev.keel.AccessRefusedException;
import dev.keel.KeelException;
import dev.keel.rocket.RocketConfig;
import dev.keel.spi.support.TlsFailures;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.remoting.netty.TlsSystemConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;

/**
 * TLS for the clients of an adapter whose config has {@link RocketConfig#tls()}. rocketmq-client builds a client's TLS
 * context when the client starts, from the JVM-wide static fields of {@link TlsSystemConfig} (and a
 * {@code tls.config.file}, which overrides them): {@link #start} sets them to the adapter's certificates, holding the
 * lock of {@code TlsSystemConfig.class}, starts the client and puts the previous values back.
 *
 * <p>A handshake refused over a certificate shows in rocketmq-client only as a connection closed (a retriable
 * outage, for ever), so before starting a client {@link #start} makes one connection of its own to each name server,
 * with the same certificates, and sends it one request (a client's first: the cluster's brokers), since with TLS 1.3
 * a server refuses the client's certificate after the client's side of the handshake: a certificate problem is an
 * {@link AccessRefusedException} saying what to change. It reads the client's certificate and key as
 * {@link ClientKeys} does when the config is built (an encrypted key with its password): files changed since so that
 * rocketmq-client could not use them are an {@link AccessRefusedException} too.
 *
 * <p>rocketmq-client 5.5.0 makes its TLS handler without the server's host name. Netty 4.2 (which Spring Boot 4
 * brings) verifies host names by default, so with it every handshake of such a handler fails; {@link #start} then
 * refuses at once, saying so, rather than let the client retry for ever.
 */
public final class RocketTls {

    private static final int PROBE_TIMEOUT_MILLIS = 5_000;
    static final String NETTY_VERIFICATION_PROPERTY = "io.netty.handler.ssl.defaultEndpointVerificationAlgorithm";

    /** Starts a rocketmq client. */
    public interface Start<E extends Exception> {
        void start() throws E;
    }

    private RocketTls() {
    }

    /**
     * Starts {@code client} with {@code start}: as is without TLS; over TLS with the adapter's certificates otherwise,
     * after checking that the name servers accept them (an {@link AccessRefusedException} when not).
     */
    public static <E extends Exception> void start(RocketConfig config, ClientConfig client, Start<E> start) throws E {
        if (!config.tls()) {
            start.start();
            return;
        }
        client.setUseTLS(true);
        if (NettyDefault.VERIFIES_HOST_NAMES) {
            throw new KeelException("cannot use TLS with RocketMQ here: the Netty on the classpath (4.2 or later) "
                    + "verifies host names by default, and rocketmq-client makes its TLS handler without the server's "
                    + "host name, so every handshake would fail. Use Netty 4.1 (the version rocketmq-client depends on), "
                    + "or start the JVM with -D" + NETTY_VERIFICATION_PROPERTY + "=NONE (JVM-wide: it turns that default "
                    + "off for every Netty client that does not set its own)", null, false);
        }
        checkNameServers(config);
        synchronized (TlsSystemConfig.class) {
            boolean testMode = TlsSystemConfig.tlsTestModeEnable;
            boolean authServer = TlsSystemConfig.tlsClientAuthServer;
            String trust = TlsSystemConfig.tlsClientTrustCertPath;
            String cert = TlsSystemConfig.tlsClientCertPath;
            String key = TlsSystemConfig.tlsClientKeyPath;
            String password = TlsSystemConfig.tlsClientKeyPassword;
            String file = TlsSystemConfig.tlsConfigFile;
            try {
                TlsSystemConfig.tlsTestModeEnable = false; // its default, true, trusts every certificate
                TlsSystemConfig.tlsClientAuthServer = true;
                TlsSystemConfig.tlsClientTrustCertPath = config.tlsTrustedCertificates().map(Path::toString)
                        .orElse(null);
                TlsSystemConfig.tlsClientCertPath = config.tlsClientCertificate().map(Path::toString).orElse(null);
                TlsSystemConfig.tlsClientKeyPath = config.tlsClientKey().map(Path::toString).orElse(null);
                TlsSystemConfig.tlsClientKeyPassword = config.tlsClientKeyPassword().orElse(null);
                TlsSystemConfig.tlsConfigFile = ""; // no file: it would override what is set here
                start.start();
            } finally {
                TlsSystemConfig.tlsTestModeEnable = testMode;
                TlsSystemConfig.tlsClientAuthServer = authServer;
                TlsSystemConfig.tlsClientTrustCertPath = trust;
                TlsSystemConfig.tlsClientCertPath = cert;
                TlsSystemConfig.tlsClientKeyPath = key;
                TlsSystemConfig.tlsClientKeyPassword = password;
                TlsSystemConfig.tlsConfigFile = file;
            }
        }
    }

    /** Whether Netty's client contexts verify host names unless told not to (Netty 4.2's default). */
    private static final class NettyDefault {
        static final boolean VERIFIES_HOST_NAMES = verifiesHostNames();

        private static boolean verifiesHostNames() {
            try {
                SSLEngine engine = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).build()
                        .newEngine(ByteBufAllocator.DEFAULT);
                String algorithm = engine.getSSLParameters().getEndpointIdentificationAlgorithm();
                engine.closeOutbound();
                return algorithm != null && !algorithm.isEmpty();
            } catch (Exception | LinkageError e) {
                return false; // not known: left to the handshake
            }
        }
    }

    /** Handshakes with each name server: an {@link AccessRefusedException} naming a certificate refused. */
    static void checkNameServers(RocketConfig config) {
        Optional<SSLContext> context = context(config);
        if (context.isEmpty()) {
            return;
        }
        for (String address : config.nameServer().split(";")) {
            String trimmed = address.trim();
            int colon = trimmed.lastIndexOf(':');
            String host = trimmed.substring(0, colon);
            int port = Integer.parseInt(trimmed.substring(colon + 1).trim());
            handshake(context.get(), host, port).ifPresent(problem -> {
                throw new AccessRefusedException("cannot connect to the RocketMQ name server " + trimmed
                        + " over TLS: " + problem + " (RocketConfig tls(...) and clientCertificate(...))", null);
            });
        }
    }

    /**
     * What was wrong with a certificate when this config's certificates are used to connect to {@code address}
     * ({@code host:port}, a broker's or a name server's): one connection of Keel's own, a handshake and one request,
     * as {@link #checkNameServers} makes. Empty when the handshake succeeded, or when the server could not be reached
     * or closed the connection without naming a certificate (an outage, not a certificate problem).
     */
    static Optional<String> certificateProblemAt(RocketConfig config, String address) {
        Optional<SSLContext> context = context(config);
        int colon = address.lastIndexOf(':');
        if (context.isEmpty() || colon < 0) {
            return Optional.empty();
        }
        try {
            return handshake(context.get(), address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)
                    .trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> handshake(SSLContext context, String host, int port) {
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(host, port), PROBE_TIMEOUT_MILLIS);
            raw.setSoTimeout(PROBE_TIMEOUT_MILLIS);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, host, port, true)) {
                socket.startHandshake();
                // with TLS 1.3 a server refuses the client's certificate after the client's side of the handshake:
                // ask for something (the cluster's brokers, as a client's first request does) and read the answer,
                // or the server's alert
                ByteBuffer request = RemotingCommand.createRequestCommand(RequestCode.GET_BROKER_CLUSTER_INFO, null)
                        .encode();
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
                    out.flush();
                } catch (SSLException e) {
                    return TlsFailures.certificateProblem(e);
                } catch (IOException closed) {
                    // the alert may still be read
                }
                socket.getInputStream().read();
            }
        } catch (SSLException e) {
            return TlsFailures.certificateProblem(e);
        } catch (IOException | RuntimeException e) {
            // not reachable, or not speaking TLS: left to the client, which reports it as it does without TLS
        }
        return Optional.empty();
    }

    /**
     * The JDK context of the same certificates; empty when the trusted certificates cannot be read that way (no check
     * then). The client's certificate and key are read again, as rocketmq-client will read them: when they no longer
     * can be (changed since the config was built), an {@link AccessRefusedException} saying why.
     */
    private static Optional<SSLContext> context(RocketConfig config) {
        ClientKeys client = null;
        if (config.tlsClientCertificate().isPresent()) {
            try {
                client = ClientKeys.read(config.tlsClientCertificate().get(), config.tlsClientKey().orElseThrow(),
                        config.tlsClientKeyPassword().orElse(null));
            } catch (IllegalArgumentException e) {
                throw new AccessRefusedException("cannot use the client certificate over TLS: " + e.getMessage(), null);
            }
        }
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates(config.tlsTrustedCertificates().orElseThrow())) {
                trust.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(
                    TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            KeyManagerFactory keyManagers = null;
            if (client != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                char[] password = new char[0];
                keys.setKeyEntry("client", client.key(), password, client.chain().toArray(new Certificate[0]));
                keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keyManagers.init(keys, password);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(),
                    null);
            return Optional.of(context);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static List<Certificate> certificates(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
    }
}
