package dev.keel.spring.boot.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the broker and store clients on the class path with the versions Keel is built and tested with
 * ({@value #BUILT}, written by the build): an older one, or one of a newer major version, is logged at WARN with the
 * Maven property that keeps Keel's. Spring Boot's dependency management replaces them when the application's parent
 * is {@code spring-boot-starter-parent}, whatever BOM it imports (docs/spring-boot.md, "Client versions").
 */
final class ClientVersions {

    private static final Logger LOG = LoggerFactory.getLogger(ClientVersions.class);
    static final String BUILT = "META-INF/keel/client-versions.properties";

    /** Where each client's jar states its version. */
    private static final Map<String, String> VERSION_RESOURCES = Map.of(
            "kafka-clients", "kafka/kafka-version.properties",
            "amqp-client", "META-INF/maven/com.rabbitmq/amqp-client/pom.properties",
            "jedis", "META-INF/maven/redis.clients/jedis/pom.properties",
            "jackson-databind", "META-INF/maven/tools.jackson.core/jackson-databind/pom.properties",
            "rocketmq-client", "META-INF/maven/org.apache.rocketmq/rocketmq-client/pom.properties",
            "activemq-client", "META-INF/maven/org.apache.activemq/activemq-client/pom.properties",
            "artemis-jakarta-client", "META-INF/maven/org.apache.artemis/artemis-jakarta-client/pom.properties");
    /** The property of spring-boot-dependencies that sets each client's version; none for what Boot leaves alone. */
    private static final Map<String, String> BOOT_PROPERTIES = Map.of(
            "kafka-clients", "kafka.version",
            "amqp-client", "rabbit-amqp-client.version",
            "jedis", "jedis.version",
            "jackson-databind", "jackson-bom.version",
            "activemq-client", "activemq.version",
            "artemis-jakarta-client", "artemis.version");

    private ClientVersions() {
    }

    /** Logs a WARN for each client whose version on {@code loader}'s class path is not one Keel supports. */
    static void warnOfMismatches(ClassLoader loader) {
        try {
            mismatches(client -> runtime(loader, client), built(loader)).forEach(problem ->
                    LOG.warn("{} (docs/spring-boot.md, 'Client versions')", problem));
        } catch (RuntimeException e) {
            LOG.debug("could not compare the client versions: {}", e.toString());
        }
    }

    /** The versions Keel is built with, by client. */
    static Properties built(ClassLoader loader) {
        Properties built = read(loader, BUILT);
        if (built == null) {
            throw new IllegalStateException(BUILT + " is missing from the starter");
        }
        return built;
    }

    /** The version of {@code client} on {@code loader}'s class path, if it is there. */
    static Optional<String> runtime(ClassLoader loader, String client) {
        Properties found = read(loader, VERSION_RESOURCES.get(client));
        return Optional.ofNullable(found == null ? null : found.getProperty("version")).map(String::trim);
    }

    /**
     * One message per client whose {@code runtime} version is older than {@code built}'s, or of a newer major version;
     * none for a client that is absent, the same, or newer within its major version.
     */
    static List<String> mismatches(Function<String, Optional<String>> runtime, Properties built) {
        List<String> problems = new ArrayList<>();
        for (String client : VERSION_RESOURCES.keySet().stream().sorted().toList()) {
            String expected = built.getProperty(client);
            Optional<String> actual = runtime.apply(client);
            if (expected == null || actual.isEmpty() || !unsupported(actual.get(), expected)) {
                continue;
            }
            String property = BOOT_PROPERTIES.get(client);
            problems.add("Keel is built and tested with " + client + " " + expected + ", but this application resolved "
                    + actual.get() + ": " + (property != null
                    ? "with spring-boot-starter-parent as the parent, set <" + property + ">" + expected + "</"
                            + property + "> in the pom"
                    : "import keel-bom, which manages it, or declare " + client + " " + expected));
        }
        return problems;
    }

    private static boolean unsupported(String actual, String expected) {
        int[] a = numbers(actual);
        int[] e = numbers(expected);
        if (a[0] != e[0]) {
            return true; // another major version, older or newer
        }
        for (int i = 1; i < a.length; i++) {
            if (a[i] != e[i]) {
                return a[i] < e[i];
            }
        }
        return false;
    }

    /** Major, minor and patch; a part that is not a number counts as 0. */
    private static int[] numbers(String version) {
        String[] parts = version.split("[.-]");
        int[] numbers = new int[3];
        for (int i = 0; i < numbers.length && i < parts.length; i++) {
            try {
                numbers[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                numbers[i] = 0;
            }
        }
        return numbers;
    }

    private static Properties read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
