package dev.keel.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.core.Keel;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What a new Spring Boot user does, as docs/spring-boot.md says it: install the snapshot from a copy of the sources
 * ({@code ./mvnw install -DskipTests}), build the example application of {@code examples/spring-boot-kafka} (the
 * doc's pom, with {@code spring-boot-starter-parent} and {@code keel-bom}) with plain Maven, and run its jar on the
 * harness's Kafka and Redis. Every Maven run uses a local repository of this test's own under {@code target}, with
 * the build's own repository as a read-only tail, so nothing is installed into the user's.
 *
 * <p>Checks: the jar holds the client versions Keel is built with (Spring Boot's parent would give older ones without
 * the pom's properties), the application bills each order once, its log lines carry the message id Keel puts in the
 * MDC, a dead letter's warning too, a SIGTERM's stop is logged with what ran and how long it took, and a wrong Kafka
 * address fails the startup naming it, without the admin client's "Rebootstrapping" lines; and the other ways to write the
 * pom resolve what the doc says. Tagged {@code example}:
 * run by {@code -Pexample} ({@code .ci/run}), about 5 minutes on 2 cores shared with other builds, most of it the Maven
 * builds.
 */
@Tag("example")
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class SpringBootExampleTest {

    private static final Path ROOT = Path.of(System.getProperty("keel.root", "..")).toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target", "spring-boot-example").toAbsolutePath();
    private static final Path REPOSITORY = WORK.resolve("repository");
    private static final Duration BUILD_PATIENCE = Duration.ofMinutes(20);
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final Set<String> NOT_COPIED = Set.of("target", ".git", ".keel-brokers", "examples");
    /** Spring Boot 4.1.2's versions of two clients (docs/spring-boot.md, "Client versions"). */
    private static final String BOOT_KAFKA = "4.2.2";
    private static final String BOOT_JEDIS = "7.4.1";

    private static Path jar;

    @BeforeAll
    static void buildAsTheDocsSay() throws Exception {
        deleteRecursively(WORK);
        Path source = WORK.resolve("keel-source");
        copy(ROOT, source, true);
        maven(source, "install", "-DskipTests", "-Dmaven.javadoc.skip=true", "-Dmaven.source.skip=true",
                "-pl", "keel-bom,sdk-spring-boot-starter-kafka", "-am");
        Path orders = WORK.resolve("orders");
        copy(ROOT.resolve("examples/spring-boot-kafka"), orders, false);
        maven(orders, "package", "-f", orders.resolve("pom.xml").toString());
        jar = orders.resolve("target/orders-0.0.1-SNAPSHOT.jar");
        assertThat(jar).as("the application's jar").isRegularFile();
    }

    @Test
    void theApplicationShouldHoldTheClientVersionsKeelIsBuiltWith() throws Exception {
        List<String> libraries = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            file.stream().map(e -> e.getName()).filter(n -> n.startsWith("BOOT-INF/lib/"))
                    .map(n -> n.substring("BOOT-INF/lib/".length())).forEach(libraries::add);
        }
        Element properties = child(DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("pom.xml").toFile()).getDocumentElement(), "properties");
        assertThat(libraries).contains("kafka-clients-" + text(properties, "kafka.version") + ".jar",
                "jedis-" + text(properties, "jedis.version") + ".jar",
                "jackson-databind-" + text(properties, "jackson.version") + ".jar",
                "sdk-spring-boot-starter-0.1.0-SNAPSHOT.jar", "sdk-kafka-0.1.0-SNAPSHOT.jar");
        assertThat(libraries.stream().filter(l -> l.startsWith("kafka-clients-") || l.startsWith("jedis-")
                || l.startsWith("jackson-databind-"))).as("one version of each client").hasSize(3);
    }

    /**
     * What docs/spring-boot.md says of the other ways to write the pom: with the parent and without the four
     * properties, the application resolves Spring Boot's older clients (which is why the pom has them); importing
     * keel-bom before spring-boot-dependencies, without a parent, keeps Keel's without properties.
     */
    @Test
    void theParentWithoutThePropertiesShouldResolveBootsClientsAndImportingKeelBomFirstKeelsOwn() throws Exception {
        String pom = Files.readString(WORK.resolve("orders/pom.xml"));
        String withoutProperties = pom.replaceAll("(?s)\\s*<!-- spring-boot-starter-parent manages.*?-->", "")
                .replaceAll("\\s*<(kafka|rabbit-amqp-client|jedis|jackson-bom)\\.version>[^<]*</[^>]*>", "");
        assertThat(withoutProperties).doesNotContain("<kafka.version>").contains("<keel.version>");
        List<String> parentOnly = dependencies("parent-only", withoutProperties);
        assertThat(parentOnly).as("with spring-boot-starter-parent and no properties")
                .contains("org.apache.kafka:kafka-clients:jar:" + BOOT_KAFKA, "redis.clients:jedis:jar:" + BOOT_JEDIS);

        String bootVersion = pom.replaceAll("(?s).*<artifactId>spring-boot-starter-parent</artifactId>\\s*<version>([^<]+)"
                + "</version>.*", "$1");
        String imported = withoutProperties.replaceAll("(?s)\\s*<parent>.*?</parent>", "")
                .replaceAll("(?s)\\s*<build>.*?</build>", "")
                .replace("        <scope>import</scope>\n      </dependency>\n", "        <scope>import</scope>\n      </dependency>\n"
                        + "      <dependency>\n        <groupId>org.springframework.boot</groupId>\n"
                        + "        <artifactId>spring-boot-dependencies</artifactId>\n        <version>" + bootVersion
                        + "</version>\n        <type>pom</type>\n        <scope>import</scope>\n      </dependency>\n");
        assertThat(imported).contains("spring-boot-dependencies").doesNotContain("<parent>");
        Element properties = child(DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("pom.xml").toFile()).getDocumentElement(), "properties");
        assertThat(dependencies("keel-bom-first", imported)).as("keel-bom imported before spring-boot-dependencies")
                .contains("org.apache.kafka:kafka-clients:jar:" + text(properties, "kafka.version"),
                        "redis.clients:jedis:jar:" + text(properties, "jedis.version"),
                        "tools.jackson.core:jackson-databind:jar:" + text(properties, "jackson.version"));
    }

    /** The resolved runtime dependencies of {@code pom}, as group:artifact:type:version. */
    private static List<String> dependencies(String name, String pom) throws Exception {
        Path project = WORK.resolve(name);
        Files.createDirectories(project);
        Files.writeString(project.resolve("pom.xml"), pom);
        Path list = project.resolve("dependencies.txt");
        maven(project, "dependency:list", "-f", project.resolve("pom.xml").toString(), "-DincludeScope=runtime",
                "-DoutputFile=" + list);
        List<String> result = new ArrayList<>();
        for (String line : Files.readAllLines(list)) {
            String[] parts = line.trim().split(":");
            if (parts.length >= 5) {
                result.add(parts[0] + ":" + parts[1] + ":" + parts[2] + ":" + parts[3]);
            }
        }
        return result;
    }

    @Test
    void theApplicationShouldBillEachOrderOnceLogTheMessageIdsAndLogItsGracefulStop() throws Exception {
        String kafka = Brokers.kafka().bootstrapServers();
        Application app = Application.start(jar, "--keel.kafka.bootstrap-servers=" + kafka,
                "--keel.redis.uri=" + Brokers.redis().uri(), "--keel.redis.key-prefix=" + UniqueNames.keyPrefix("example"));
        try {
            app.await("Keel listener billing-orders subscribed to orders");
            try (Keel keel = Keel.builder(new KafkaAdapter(KafkaConfig.custom().bootstrapServers(kafka).build()))
                    .withoutIdempotencyStore().build()) {
                publish(keel, "order-1", "c-1", 4250);
                publish(keel, "order-2", "c-2", 990);
                publish(keel, "order-1", "c-1", 4250); // published again: billed once
                publish(keel, "order-9", "c-9", -1);   // refused by the handler: dead-lettered
            }
            app.await("billed order order-2");
            app.await("dead-lettering to orders.DLT");
            await().during(Duration.ofSeconds(3)).atMost(PATIENCE)
                    .until(() -> app.count("billed order order-1 ") == 1);

            assertThat(app.line("billed order order-1 ")).as("the listener's own log line, with the MDC's message id")
                    .contains("[,order-1]");
            assertThat(app.line("dead-lettering to orders.DLT")).as("Keel's dead-letter warning")
                    .contains("[,order-9]").contains("NonRetriableException: order order-9 has a negative amount");
            assertThat(app.count("Keel is built and tested with")).as("client version warnings").isZero();
        } finally {
            app.stop();
        }
        assertThat(app.line("closing the subscription to orders for group billing:")).as("the SIGTERM's stop")
                .matches(".*\\d+ handler\\(s\\) running or kept \\(\\d+ message\\(s\\) at the broker's last delivery, run before the "
                        + "close\\), \\d+ buffered message\\(s\\) returned to the broker unstarted.*");
        assertThat(app.line("closed the subscription to orders for group billing in")).matches(".* in \\d+ ms.*");
    }

    @Test
    void aWrongKafkaAddressShouldFailTheStartupNamingItWithoutTheAdminClientsRebootstrapLines() throws Exception {
        String wrong = "127.0.0.1:" + closedPort();
        Application app = Application.start(jar, "--keel.kafka.bootstrap-servers=" + wrong,
                "--keel.redis.uri=" + Brokers.redis().uri());
        int exit = app.awaitExit(PATIENCE);

        assertThat(exit).as("exit status").isNotZero();
        assertThat(app.text()).contains("APPLICATION FAILED TO START").contains("Keel could not reach the broker")
                .contains(wrong).contains("keel.kafka.bootstrap-servers");
        assertThat(app.count("Rebootstrapping")).as("the admin client's rebootstrap lines").isZero();
    }

    private static void publish(Keel keel, String id, String customer, long cents) {
        String json = "{\"id\":\"" + id + "\",\"cents\":" + cents + "}";
        keel.publisher().publish("orders", Message.builder(json.getBytes(StandardCharsets.UTF_8)).id(id).key(customer)
                .build());
    }

    /** Runs this checkout's Maven wrapper in {@code directory}, with the test's own local repository. */
    private static void maven(Path directory, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(WORK.resolve("keel-source/mvnw").toString(), "-B", "-q",
                "-Dmaven.repo.local=" + REPOSITORY));
        command.addAll(List.of(arguments));
        Path log = WORK.resolve("maven-" + arguments[0].replace(':', '-') + "-" + directory.getFileName() + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        String tail = System.getProperty("keel.maven.repository");
        if (tail != null && !tail.isBlank()) {
            // read-only: what this build already has is not downloaded again; through MAVEN_ARGS (Maven 3.9) so the
            // Maven runs that test-brokers' invoker starts get it too
            builder.environment().put("MAVEN_ARGS", "-Dmaven.repo.local.tail=" + tail);
        }
        Process maven = builder.start();
        if (!maven.waitFor(BUILD_PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
            maven.destroyForcibly();
            throw new AssertionError("mvn " + String.join(" ", arguments) + " did not finish in " + BUILD_PATIENCE);
        }
        assertThat(maven.exitValue()).as("mvn %s in %s; its output:%n%s", String.join(" ", arguments), directory,
                Files.readString(log)).isZero();
    }

    private static void copy(Path from, Path to, boolean skipBuildOutput) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(file);
                if (skipBuildOutput && relative.getNameCount() > 0 && skipped(relative)) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Build output, version control and broker data anywhere in the tree, and the examples at its root. */
    private static boolean skipped(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.equals("target") || name.equals(".git") || name.equals(".keel-brokers")) {
                return true;
            }
        }
        return NOT_COPIED.contains(relative.getName(0).toString());
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no <" + name + ">");
    }

    private static String text(Element parent, String name) {
        return child(parent, name).getTextContent().trim();
    }

    /** The example application's jar, run as a user runs it, its output kept line by line. */
    private static final class Application {
        private final Process process;
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final Thread reader;

        private Application(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, "example-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Application start(Path jar, String... arguments) throws IOException {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx256m", "-jar", jar.toString()));
            command.addAll(List.of(arguments));
            return new Application(new ProcessBuilder(command).redirectErrorStream(true).start());
        }

        void await(String fragment) {
            // a method named await here hides the static import
            org.awaitility.Awaitility.await(fragment).atMost(PATIENCE)
                    .until(() -> line(fragment) != null || !process.isAlive());
            assertThat(line(fragment)).as("a line with '%s' in the application's output:%n%s", fragment, text())
                    .isNotNull();
        }

        String line(String fragment) {
            return lines.stream().filter(l -> l.contains(fragment)).findFirst().orElse(null);
        }

        long count(String fragment) {
            return lines.stream().filter(l -> l.contains(fragment)).count();
        }

        String text() {
            return String.join(System.lineSeparator(), lines);
        }

        /** SIGTERM, as a service manager stops it; waits for it to end and its output to be read. */
        void stop() throws InterruptedException {
            process.toHandle().destroy(); // Process.destroy() would also close the output it still writes
            if (!process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            reader.join(PATIENCE.toMillis());
            save("app-stopped.log");
        }

        /** The output, for a look after the test, under the test's directory. */
        void save(String name) {
            try {
                Files.write(WORK.resolve(name), lines);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        int awaitExit(Duration patience) throws InterruptedException {
            if (!process.waitFor(patience.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the application did not exit within " + patience + ":\n" + text());
            }
            reader.join(patience.toMillis());
            save("app-failed-start.log");
            return process.exitValue();
        }
    }
}
