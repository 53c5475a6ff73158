package dev.keel.cli.broker;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The TLS and client-property flags shared by every command that reaches a broker: one trust store and one key store
 * for every TLS connection of the run (an {@code amqps://} RabbitMQ URI, a {@code rediss://} Redis URI, a Kafka
 * {@code security.protocol} of {@code SSL} or {@code SASL_SSL}), their passwords read from environment variables
 * (never on the command line, never printed), and Kafka client properties as flags or as a file. Parsing only: what
 * they mean is {@link TlsSettings}'s.
 */
public final class TlsOptions {

    @Option(names = "--truststore", paramLabel = "PATH",
            description = "Trust store (PKCS12 or JKS) holding the CA that signed the brokers' and Redis's "
                    + "certificates, for every TLS connection of the run: an amqps:// --rabbit-uri, a rediss:// "
                    + "--redis, Kafka with security.protocol SSL or SASL_SSL. Default: the JVM's trust store.")
    private Path trustStore;

    @Option(names = "--truststore-password-env", paramLabel = "VAR",
            description = "Name of the environment variable holding the --truststore's password; never on the "
                    + "command line, never printed. Default: none (a store without a password).")
    private String trustStorePasswordEnv;

    @Option(names = "--keystore", paramLabel = "PATH",
            description = "Key store (PKCS12 or JKS) holding the client's certificate and key, for servers that ask "
                    + "for one (mutual TLS), on the same connections as --truststore. Default: none.")
    private Path keyStore;

    @Option(names = "--keystore-password-env", paramLabel = "VAR",
            description = "Name of the environment variable holding the --keystore's password (also its key's); "
                    + "never on the command line, never printed. Needed with --keystore.")
    private String keyStorePasswordEnv;

    @Option(names = "--kafka-property", paramLabel = "NAME=VALUE",
            description = "A kafka-clients property for every Kafka client of the run (--broker kafka), e.g. "
                    + "security.protocol=SASL_SSL; repeatable; wins over --kafka-config. Put secrets in the "
                    + "--kafka-config file, not here: a command line is visible to other users of the machine.")
    private Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "A properties file of kafka-clients properties (as kafka's own tools read with "
                    + "--command-config), e.g. security.protocol, sasl.mechanism, sasl.jaas.config, ssl.*; values "
                    + "of secret properties are never printed.")
    private Path kafkaConfig;

    /** The trust store path, or {@code null}. */
    public Path trustStore() {
        return trustStore;
    }

    public String trustStorePasswordEnv() {
        return trustStorePasswordEnv;
    }

    /** The key store path, or {@code null}. */
    public Path keyStore() {
        return keyStore;
    }

    public String keyStorePasswordEnv() {
        return keyStorePasswordEnv;
    }

    /** The {@code --kafka-property} pairs, in order given (a copy). */
    public Map<String, String> kafkaProperties() {
        return new LinkedHashMap<>(kafkaProperties);
    }

    /** The {@code --kafka-config} file, or {@code null}. */
    public Path kafkaConfig() {
        return kafkaConfig;
    }

    /**
     * These flags again, for a child JVM's command line: paths, variable names and the {@code --kafka-property}
     * pairs as given (the child inherits the variables; no password is here unless a user put one in a
     * {@code --kafka-property}, which the help advises against).
     */
    public List<String> args() {
        List<String> args = new ArrayList<>();
        addIfSet(args, "--truststore", trustStore);
        addIfSet(args, "--truststore-password-env", trustStorePasswordEnv);
        addIfSet(args, "--keystore", keyStore);
        addIfSet(args, "--keystore-password-env", keyStorePasswordEnv);
        addIfSet(args, "--kafka-config", kafkaConfig);
        kafkaProperties.forEach((name, value) -> {
            args.add("--kafka-property");
            args.add(name + "=" + value);
        });
        return args;
    }

    private static void addIfSet(List<String> args, String flag, Object value) {
        if (value != null) {
            args.add(flag);
            args.add(value.toString());
        }
    }

    /** For tests and programmatic use. */
    public TlsOptions trustStore(Path path, String passwordEnv) {
        this.trustStore = path;
        this.trustStorePasswordEnv = passwordEnv;
        return this;
    }

    /** For tests and programmatic use. */
    public TlsOptions keyStore(Path path, String passwordEnv) {
        this.keyStore = path;
        this.keyStorePasswordEnv = passwordEnv;
        return this;
    }

    /** For tests and programmatic use. */
    public TlsOptions kafkaProperty(String name, String value) {
        kafkaProperties.put(name, value);
        return this;
    }
}
