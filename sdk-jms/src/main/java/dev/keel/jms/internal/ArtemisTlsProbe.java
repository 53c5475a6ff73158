package dev.keel.jms.internal;

import dev.keel.spi.support.TlsFailures;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Why a TLS connection of the Artemis client failed, when it was a certificate: the client logs the handshake's
 * failure but throws only "cannot connect", and with TLS 1.3 a broker that refuses the client's certificate does so
 * after the client's side of the handshake, which the client notices only when its first call times out. This probe
 * opens one TLS connection to the URL's first server with the URL's trust and key stores
 * ({@code trustStorePath}, {@code keyStorePath}, their passwords and types; the JVM's defaults without them) and
 * lets {@link TlsFailures#listenForRefusal} read what the broker says.
 */
final class ArtemisTlsProbe {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration LISTEN = Duration.ofSeconds(1);

    private final boolean tls;
    private final String host;
    private final int port;
    private final Map<String, String> parameters;

    private ArtemisTlsProbe(boolean tls, String host, int port, Map<String, String> parameters) {
        this.tls = tls;
        this.host = host;
        this.port = port;
        this.parameters = parameters;
    }

    /** The probe of {@code url}: {@code tcp://host:port?...} or {@code (tcp://a:1,tcp://b:2)?...}. */
    static ArtemisTlsProbe of(String url) {
        Map<String, String> parameters = new HashMap<>();
        int query = url.indexOf('?');
        if (query >= 0) {
            for (String pair : url.substring(query + 1).split("[&;]")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    parameters.put(pair.substring(0, eq).toLowerCase(Locale.ROOT),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        String servers = (query >= 0 ? url.substring(0, query) : url).replace("(", "").replace(")", "");
        String first = servers.split(",")[0];
        int scheme = first.indexOf("://");
        String hostPort = scheme >= 0 ? first.substring(scheme + 3) : first;
        int colon = hostPort.lastIndexOf(':');
        boolean tls = Boolean.parseBoolean(parameters.getOrDefault("sslenabled", "false"));
        if (colon < 0) {
            return new ArtemisTlsProbe(false, hostPort, 0, parameters);
        }
        try {
            return new ArtemisTlsProbe(tls, hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)),
                    parameters);
        } catch (NumberFormatException e) {
            return new ArtemisTlsProbe(false, hostPort, 0, parameters);
        }
    }

    /** Whether the URL turns TLS on ({@code sslEnabled=true}). */
    boolean tls() {
        return tls;
    }

    /** The certificate problem behind a failed connection, or empty (no TLS, or none found). */
    Optional<String> certificateProblem() {
        if (!tls) {
            return Optional.empty();
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers(), trustManagers(), null);
            return TlsFailures.listenForRefusal(context.getSocketFactory(), host, port, CONNECT_TIMEOUT, LISTEN);
        } catch (IOException | GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    private TrustManager[] trustManagers() throws IOException, GeneralSecurityException {
        String path = parameters.get("truststorepath");
        if (path == null) {
            return null;
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(load(path, parameters.get("truststoretype"), parameters.get("truststorepassword")));
        return factory.getTrustManagers();
    }

    private KeyManager[] keyManagers() throws IOException, GeneralSecurityException {
        String path = parameters.get("keystorepath");
        if (path == null) {
            return null;
        }
        String password = parameters.get("keystorepassword");
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(load(path, parameters.get("keystoretype"), password),
                password == null ? null : password.toCharArray());
        return factory.getKeyManagers();
    }

    private static KeyStore load(String path, String type, String password)
            throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type == null ? "JKS" : type);
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            store.load(in, password == null ? null : password.toCharArray());
        }
        return store;
    }
}
