package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.BrokerKind;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The harness's settings: each one is a system property ({@code keel.kafka.bootstrap}) or the
 * matching environment variable ({@code KEEL_KAFKA_BOOTSTRAP}); the system property wins.
 */
public final class Settings {
    /** Which way to provide brokers when no endpoint is configured. */
    public enum Mode { AUTO, CONTAINERS, LOCAL }

    public static final String MODE = "keel.brokers";
    public static final String DIR = "keel.brokers.dir";
    public static final String START_TIMEOUT = "keel.brokers.start-timeout";
    public static final String PRESTART = "keel.brokers.prestart";
    public static final String RABBIT_LOCAL = "keel.rabbit.local";
    public static final String TLS = "keel.brokers.tls";
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(300);

    private final UnaryOperator<String> systemProperties;
    private final UnaryOperator<String> environment;

    public Settings(UnaryOperator<String> systemProperties, UnaryOperator<String> environment) {
        this.systemProperties = systemProperties;
        this.environment = environment;
    }

    public static Settings fromSystem() {
        return new Settings(System::getProperty, System::getenv);
    }

    /** For tests: the map holds property names or environment variable names. */
    public static Settings of(Map<String, String> values) {
        return new Settings(values::get, values::get);
    }

    /** The value of a setting, blank counted as absent. */
    public Optional<String> get(String property) {
        String value = systemProperties.apply(property);
        if (value == null || value.isBlank()) {
            value = environment.apply(BrokerKind.envVarOf(property));
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** Where the setting came from, for messages: {@code -Dkeel.kafka.bootstrap} or {@code KEEL_KAFKA_BOOTSTRAP}. */
    public String sourceOf(String property) {
        String value = systemProperties.apply(property);
        return value != null && !value.isBlank() ? "-D" + property : BrokerKind.envVarOf(property);
    }

    public Optional<String> endpoint(BrokerKind kind) {
        return get(kind.endpointProperty());
    }

    public Mode mode() {
        String value = get(MODE).orElse("auto").toUpperCase(Locale.ROOT);
        try {
            return Mode.valueOf(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(BrokerKind.envVarOf(MODE) + " / -D" + MODE
                    + " must be auto, containers or local, not '" + value.toLowerCase(Locale.ROOT) + "'", e);
        }
    }

    public Duration startTimeout() {
        return get(START_TIMEOUT).map(s -> Duration.ofSeconds(Long.parseLong(s))).orElse(DEFAULT_START_TIMEOUT);
    }

    /**
     * The base directory for logs and data: {@code keel.brokers.dir}, else {@code target/keel-brokers}
     * under a Maven module, else {@code .keel-brokers}.
     */
    public Path baseDir() {
        Optional<String> configured = get(DIR);
        if (configured.isPresent()) {
            return Path.of(configured.get()).toAbsolutePath();
        }
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        if (Files.isDirectory(cwd.resolve("target")) || Files.exists(cwd.resolve("pom.xml"))) {
            return cwd.resolve("target").resolve("keel-brokers");
        }
        return cwd.resolve(".keel-brokers");
    }

    /**
     * Whether the local RabbitMQ is the machine's service ({@code keel.rabbit.local=service}) rather
     * than a private node of this JVM ({@code node}, the default).
     */
    public boolean rabbitUsesService() {
        String value = get(RABBIT_LOCAL).orElse("node").toLowerCase(Locale.ROOT);
        if (!value.equals("node") && !value.equals("service")) {
            throw new IllegalArgumentException(BrokerKind.envVarOf(RABBIT_LOCAL) + " / -D" + RABBIT_LOCAL
                    + " must be node or service, not '" + value + "'");
        }
        return value.equals("service");
    }

    /**
     * Whether the harness's private RabbitMQ node also opens a TLS listener with the run's certificates
     * ({@code keel.brokers.tls=true}; the {@code -Psecured} profile sets it). Off by default: the certificates take a
     * few seconds to make.
     */
    public boolean tls() {
        return Boolean.parseBoolean(get(TLS).orElse("false"));
    }

    /** Extra JVM options for a broker JVM, e.g. {@code keel.kafka.jvm-opts}, split on blanks. */
    public Optional<String> jvmOptions(String brokerKey) {
        return get("keel." + brokerKey + ".jvm-opts");
    }
}
