package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * What {@link TlsOptions} mean, checked at once: the trust and key stores loaded (their passwords read from the
 * environment), one {@link SSLContext} for the RabbitMQ and Redis TLS connections, and the Kafka client properties
 * (the {@code --kafka-config} file, then the {@code --kafka-property} flags, then the stores as {@code ssl.*} where
 * the Kafka connection uses TLS and those are not set), the same stores as managers for ActiveMQ Classic and as PEM
 * files for RocketMQ ({@link #pemFiles()}, written once when first asked for). Every problem is an
 * {@link EnvironmentException}
 * naming the flag. Never prints a password or a secret property's value: {@link #describe()} and
 * {@link #maskedKafkaProperties()} are what a report shows.
 */
public final class TlsSettings {

    /** What a secret property's value is replaced with in output. */
    public static final String MASK = "****";
    private static final List<String> SECRET_WORDS = List.of("password", "passphrase", "secret", "credential",
            "token", "jaas", "user.info");
    private static final List<String> STORE_TYPES = List.of("PKCS12", "JKS");

    private final Store trustStore;
    private final Store keyStore;
    private final Managers managers;
    private final SSLContext sslContext;
    private final Map<String, String> kafkaProperties;
    private PemFiles pemFiles;

    private TlsSettings(Store trustStore, Store keyStore, Managers managers, SSLContext sslContext,
                        Map<String, String> kafkaProperties) {
        this.trustStore = trustStore;
        this.keyStore = keyStore;
        this.managers = managers;
        this.sslContext = sslContext;
        this.kafkaProperties = kafkaProperties;
    }

    /** No stores, no Kafka properties: the JVM's defaults. */
    public static TlsSettings none() {
        return new TlsSettings(null, null, null, null, Map.of());
    }

    /** Reads the stores and the Kafka file of {@code options}; {@code env} looks up environment variables. */
    public static TlsSettings of(TlsOptions options, UnaryOperator<String> env) {
        Store trust = options.trustStore() == null ? null
                : Store.load("--truststore", options.trustStore(), "--truststore-password-env",
                        options.trustStorePasswordEnv(), false, env);
        if (options.trustStore() == null && options.trustStorePasswordEnv() != null) {
            throw new EnvironmentException("--truststore-password-env needs --truststore PATH");
        }
        if (options.keyStore() == null && options.keyStorePasswordEnv() != null) {
            throw new EnvironmentException("--keystore-password-env needs --keystore PATH");
        }
        Store key = options.keyStore() == null ? null
                : Store.load("--keystore", options.keyStore(), "--keystore-password-env",
                        options.keyStorePasswordEnv(), true, env);
        Managers managers = trust == null && key == null ? null : managers(trust, key);
        SSLContext context = managers == null ? null : context(managers, key);
        Map<String, String> kafka = new LinkedHashMap<>();
        if (options.kafkaConfig() != null) {
            kafka.putAll(readProperties(options.kafkaConfig(), "--kafka-config"));
        }
        for (Map.Entry<String, String> property : options.kafkaProperties().entrySet()) {
            if (property.getKey().isBlank()) {
                throw new EnvironmentException("--kafka-property needs NAME=VALUE, e.g. security.protocol=SSL");
            }
            kafka.put(property.getKey().strip(), property.getValue());
        }
        requireStoreFiles(kafka, options.kafkaConfig() != null ? "--kafka-config" : "--kafka-property");
        addStores(kafka, trust, key);
        return new TlsSettings(trust, key, managers, context, Map.copyOf(kafka));
    }

    /**
     * These settings with the Kafka properties of {@code file} over this run's (they win over {@code --kafka-config}
     * and {@code --kafka-property}), and the stores as {@code ssl.*} where the result uses TLS and does not set them:
     * for a second Kafka listener of the same broker ({@code bench --tls-compare}). {@code null}: the run's
     * properties alone. An unreadable file is an {@link EnvironmentException} naming {@code flag}.
     */
    public TlsSettings withKafkaConfig(Path file, String flag) {
        Map<String, String> kafka = new LinkedHashMap<>(kafkaProperties);
        if (file != null) {
            kafka.putAll(readProperties(file, flag));
        }
        requireStoreFiles(kafka, flag);
        addStores(kafka, trustStore, keyStore);
        TlsSettings settings = new TlsSettings(trustStore, keyStore, managers, sslContext, Map.copyOf(kafka));
        settings.pemFiles = pemFiles;
        return settings;
    }

    /** The stores as {@code ssl.*} properties where {@code kafka} uses TLS and does not name stores of its own. */
    private static void addStores(Map<String, String> kafka, Store trust, Store key) {
        if (usesTls(kafka)) {
            if (trust != null && !kafka.containsKey("ssl.truststore.location")) {
                kafka.put("ssl.truststore.location", trust.path.toAbsolutePath().toString());
                kafka.put("ssl.truststore.type", trust.type);
                if (trust.password != null) {
                    kafka.put("ssl.truststore.password", trust.password);
                }
            }
            if (key != null && !kafka.containsKey("ssl.keystore.location")) {
                kafka.put("ssl.keystore.location", key.path.toAbsolutePath().toString());
                kafka.put("ssl.keystore.type", key.type);
                kafka.put("ssl.keystore.password", key.password);
                kafka.put("ssl.key.password", key.password);
            }
        }
    }

    /**
     * The context for RabbitMQ's {@code amqps://} and Redis's {@code rediss://} connections: trusts the
     * {@code --truststore} (or the JVM's trust store) and presents the {@code --keystore}'s certificate; empty when
     * neither flag was given (the clients' defaults, the JVM's trust store).
     */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /** The Kafka client properties to add to every Kafka client of the run; holds secrets, never print it. */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    /** Whether the Kafka properties make the connection TLS ({@code security.protocol} SSL or SASL_SSL). */
    public boolean kafkaTls() {
        return usesTls(kafkaProperties);
    }

    /** The Kafka properties sorted by name, secret values replaced by {@value #MASK}: what output may show. */
    public Map<String, String> maskedKafkaProperties() {
        Map<String, String> masked = new TreeMap<>();
        kafkaProperties.forEach((name, value) -> masked.put(name, isSecret(name) ? MASK : value));
        return masked;
    }

    /** Where the stores are, for a report: never a password. Empty when no store was given. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        if (trustStore != null) {
            s.append("trust store ").append(trustStore.path);
        }
        if (keyStore != null) {
            s.append(s.length() == 0 ? "" : ", ").append("key store ").append(keyStore.path);
        }
        return s.toString();
    }

    /**
     * Whether a property's value is secret: its name (ignoring case) mentions a password, passphrase, secret,
     * credential, token, JAAS config or user info, or ends in {@code .key} (key material).
     */
    public static boolean isSecret(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".key") || SECRET_WORDS.stream().anyMatch(lower::contains);
    }

    private static boolean usesTls(Map<String, String> kafka) {
        String protocol = kafka.getOrDefault("security.protocol", "PLAINTEXT").strip().toUpperCase(Locale.ROOT);
        return "SSL".equals(protocol) || "SASL_SSL".equals(protocol);
    }

    /**
     * The {@code --truststore} (or the JVM's default trust) and {@code --keystore} as managers, for a client that takes
     * managers rather than a context (ActiveMQ Classic's); empty when neither flag was given.
     */
    public Optional<Managers> managers() {
        return Optional.ofNullable(managers);
    }

    /**
     * The {@code --truststore} (or the JVM's trust without it) and the {@code --keystore} as PEM files, for a client
     * that reads only files (rocketmq-client): written on the first call into a directory only the owner may read,
     * deleted at exit. A key store holding no key, or several, is an {@link EnvironmentException} naming it.
     */
    synchronized PemFiles pemFiles() {
        if (pemFiles == null) {
            pemFiles = PemFiles.write(trustStore == null ? null : trustStore.store,
                    keyStore == null ? null : keyStore.path, keyStore == null ? null : keyStore.store,
                    keyStore == null ? null : keyStore.password);
        }
        return pemFiles;
    }

    /** Whether {@code --truststore} was given. */
    boolean hasTrustStore() {
        return trustStore != null;
    }

    /** Key managers (null: no client certificate) and trust managers; the arrays are the client's to keep. */
    public record Managers(KeyManager[] keyManagers, TrustManager[] trustManagers) {
    }

    private static Managers managers(Store trust, Store key) {
        try {
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(
                    TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust == null ? null : trust.store);
            KeyManager[] keyManagers = null;
            if (key != null) {
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(key.store, key.password.toCharArray());
                keyManagers = factory.getKeyManagers();
            }
            return new Managers(keyManagers, trustManagers.getTrustManagers());
        } catch (GeneralSecurityException e) {
            throw unusable(key, e);
        }
    }

    private static SSLContext context(Managers managers, Store key) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(managers.keyManagers(), managers.trustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw unusable(key, e);
        }
    }

    private static EnvironmentException unusable(Store key, GeneralSecurityException e) {
        return new EnvironmentException("cannot make a TLS context of " + (key == null ? "--truststore"
                : "--keystore " + key.path) + " (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                + "): the key store's key must have the key store's password", e);
    }

    /**
     * Refuses a key or trust store location that names no readable file, naming the setting: the Kafka client would
     * log the missing file at ERROR with a stack trace, then fail to be created.
     */
    private static void requireStoreFiles(Map<String, String> kafka, String flag) {
        if (!usesTls(kafka)) {
            return; // the client reads no store then
        }
        for (String setting : List.of("ssl.keystore.location", "ssl.truststore.location")) {
            String location = kafka.get(setting);
            if (location != null && !location.isBlank() && !Files.isReadable(Path.of(location.strip()))) {
                throw new EnvironmentException(flag + ": " + setting + " names no readable file: " + location.strip()
                        + ". Fix the path (or the file's permissions) and run again.");
            }
        }
    }

    private static Map<String, String> readProperties(Path file, String flag) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new EnvironmentException(flag + " " + file + " cannot be read as a properties file ("
                    + e.getClass().getSimpleName() + ")");
        }
        Map<String, String> read = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(name -> read.put(name, properties.getProperty(name)));
        return read;
    }

    /** A loaded key or trust store. */
    private record Store(Path path, String type, KeyStore store, String password) {

        static Store load(String flag, Path path, String passwordFlag, String passwordEnv, boolean needsPassword,
                          UnaryOperator<String> env) {
            if (!Files.isRegularFile(path)) {
                throw new EnvironmentException(flag + ": no such file: " + path);
            }
            if (passwordEnv == null && needsPassword) {
                throw new EnvironmentException(flag + " needs " + passwordFlag + " VAR, the name of the environment "
                        + "variable holding its password");
            }
            String password = null;
            if (passwordEnv != null) {
                password = env.apply(passwordEnv);
                if (password == null) {
                    throw new EnvironmentException(passwordFlag + ": the environment variable " + passwordEnv
                            + " is not set; export it with the password of " + path);
                }
            }
            GeneralSecurityException lastSecurity = null;
            for (String type : STORE_TYPES) {
                try (InputStream in = Files.newInputStream(path)) {
                    KeyStore store = KeyStore.getInstance(type);
                    store.load(in, password == null ? null : password.toCharArray());
                    if (store.size() == 0) {
                        throw new EnvironmentException(flag + " " + path + " holds no certificate" + (password == null
                                ? " readable without a password: add " + passwordFlag + " VAR" : ""));
                    }
                    return new Store(path, type, store, password);
                } catch (IOException e) {
                    if (e.getCause() instanceof java.security.UnrecoverableKeyException) {
                        throw new EnvironmentException(flag + " " + path + ": wrong password (the value of "
                                + passwordEnv + ")");
                    }
                    lastSecurity = new GeneralSecurityException(e.getMessage(), e);
                } catch (GeneralSecurityException e) {
                    lastSecurity = e;
                }
            }
            throw new EnvironmentException(flag + " " + path + " cannot be read as a PKCS12 or JKS store with the "
                    + "password of " + (passwordEnv == null ? "no variable (add " + passwordFlag + ")" : passwordEnv)
                    + " (" + (lastSecurity == null ? "" : lastSecurity.getMessage()) + ")");
        }

        @Override
        public String toString() {
            return "Store[" + path + ", " + type + "]";
        }
    }
}
