package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.internal.Settings;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The class path of a broker JVM, resolved by the build of test-brokers (see
 * {@code src/broker-classpaths}) into a resource, relative to the local Maven repository.
 */
public final class BrokerClasspath {
    private static final String RESOURCE_DIR = "/dev/keel/testbrokers/classpath/";
    private static final String REPO_MARKER = "KEEL_M2_REPO";
    private static final String HOW_TO_GET = "The broker jars come from Maven Central through the test-brokers build: "
            + "run ./mvnw -pl test-brokers install -DskipTests once with access to Maven Central";

    private BrokerClasspath() {
    }

    /** {@code name} is {@code kafka}, {@code rocketmq}, {@code artemis} or {@code activemq}. */
    public static String resolve(String name, BrokerKind kind, Settings settings) {
        String raw = read(name, kind);
        Path repository = localRepository(settings);
        List<String> entries = new ArrayList<>();
        for (String entry : raw.trim().split(":")) {
            Path jar = Path.of(entry.replace(REPO_MARKER, repository.toString()));
            if (!Files.isRegularFile(jar)) {
                throw new BrokerStartException(kind, "the broker jar " + jar + " is missing from the local Maven repository "
                        + repository + ". " + HOW_TO_GET + " (or set keel.m2.repo to the repository that holds it).");
            }
            entries.add(jar.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static String read(String name, BrokerKind kind) {
        try (InputStream in = BrokerClasspath.class.getResourceAsStream(RESOURCE_DIR + name + ".classpath")) {
            if (in == null) {
                throw new BrokerStartException(kind, "the resource " + RESOURCE_DIR + name + ".classpath is missing "
                        + "from the test-brokers jar. " + HOW_TO_GET + ".");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BrokerStartException(kind, "cannot read the " + name + " class path resource", e);
        }
    }

    /**
     * {@code keel.m2.repo}, else {@code maven.repo.local}, else the repository that holds the
     * kafka-clients jar on this class path, else {@code ~/.m2/repository}.
     */
    static Path localRepository(Settings settings) {
        Optional<String> configured = settings.get("keel.m2.repo").or(() -> Optional.ofNullable(System.getProperty("maven.repo.local")));
        if (configured.isPresent()) {
            return Path.of(configured.get());
        }
        return repositoryOfKafkaClients().orElse(Path.of(System.getProperty("user.home"), ".m2", "repository"));
    }

    private static Optional<Path> repositoryOfKafkaClients() {
        try {
            CodeSource source = org.apache.kafka.common.Uuid.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            // <repo>/org/apache/kafka/kafka-clients/<version>/kafka-clients-<version>.jar
            Path jar = Path.of(source.getLocation().toURI());
            Path repo = jar;
            for (int i = 0; i < 6 && repo != null; i++) {
                repo = repo.getParent();
            }
            if (repo != null && Files.isRegularFile(repo.resolve(repo.relativize(jar)))
                    && jar.startsWith(repo.resolve("org/apache/kafka/kafka-clients"))) {
                return Optional.of(repo);
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the default
        }
        return Optional.empty();
    }
}
