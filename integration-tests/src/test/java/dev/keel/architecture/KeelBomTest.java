package dev.keel.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * keel-bom manages exactly Keel's published jar modules (those with code, and the per-broker starters that only
 * gather dependencies), at Keel's version; slf4j-api, the broker and store clients, Jackson, Micrometer and
 * resilience4j at the versions Keel is built with. A module that is not published (its pom sets
 * {@code maven.deploy.skip}, as keel-benchmarks does) is not in the BOM.
 */
class KeelBomTest {

    private static final Path ROOT = Path.of(System.getProperty("keel.root", "..")).normalize();

    @Test
    void bomShouldManageExactlyThePublishedJarModules() throws Exception {
        List<String> withCode = new ArrayList<>();
        for (String module : childrenNamed(read(ROOT.resolve("pom.xml")).getDocumentElement(), "modules", "module")) {
            Element pom = read(ROOT.resolve(module).resolve("pom.xml")).getDocumentElement();
            String packaging = childText(pom, "packaging");
            if ((packaging == null || packaging.equals("jar")) && !skipsDeploy(pom)
                    && (hasMainCode(ROOT.resolve(module)) || gathersKeelModules(pom))) {
                withCode.add(childText(pom, "artifactId"));
            }
        }
        assertThat(withCode).as("modules found").contains("sdk-api", "sdk-core", "sdk-spring-boot-starter-kafka");
        assertThat(managed().get("dev.keel").keySet()).as("dev.keel artifacts managed by keel-bom")
                .containsExactlyInAnyOrderElementsOf(withCode);
    }

    @Test
    void bomShouldManageKeelArtifactsAtTheBomsOwnVersion() throws Exception {
        assertThat(managed().get("dev.keel").values()).containsOnly("${project.version}");
    }

    @Test
    void bomShouldManageSlf4jApiAtTheVersionKeelUses() throws Exception {
        Element parent = read(ROOT.resolve("pom.xml")).getDocumentElement();
        Element bom = read(ROOT.resolve("keel-bom/pom.xml")).getDocumentElement();
        String keelSlf4j = childText(firstChild(parent, "properties"), "slf4j.version");
        assertThat(managed().get("org.slf4j")).containsEntry("slf4j-api", "${slf4j.version}");
        assertThat(childText(firstChild(bom, "properties"), "slf4j.version")).isEqualTo(keelSlf4j);
    }

    /**
     * The clients Keel is built and tested with, at their versions: a Spring Boot application importing keel-bom gets
     * them unless Spring Boot's own dependency management wins (its parent: docs/spring-boot.md, "Client versions").
     * Each is written in keel-bom as {@code ${property}}, and keel-bom's property equals the parent's.
     */
    @Test
    void bomShouldManageTheClientsAtTheVersionsKeelIsBuiltWith() throws Exception {
        Map<String, String> clients = Map.ofEntries(
                Map.entry("org.apache.kafka:kafka-clients", "kafka.version"),
                Map.entry("com.rabbitmq:amqp-client", "amqp-client.version"),
                Map.entry("org.apache.rocketmq:rocketmq-client", "rocketmq.version"),
                Map.entry("org.apache.rocketmq:rocketmq-tools", "rocketmq.version"),
                Map.entry("redis.clients:jedis", "jedis.version"),
                Map.entry("org.apache.activemq:activemq-client", "activemq.version"),
                Map.entry("org.apache.artemis:artemis-bom", "artemis.version"),
                Map.entry("tools.jackson:jackson-bom", "jackson.version"),
                Map.entry("io.micrometer:micrometer-bom", "micrometer.version"),
                Map.entry("io.micrometer:micrometer-tracing-bom", "micrometer-tracing.version"),
                Map.entry("io.github.resilience4j:resilience4j-bom", "resilience4j.version"));
        Element parentProperties = firstChild(read(ROOT.resolve("pom.xml")).getDocumentElement(), "properties");
        Element bomProperties = firstChild(read(ROOT.resolve("keel-bom/pom.xml")).getDocumentElement(), "properties");
        Map<String, Map<String, String>> managed = managed();
        clients.forEach((client, property) -> {
            String[] ga = client.split(":");
            assertThat(managed.getOrDefault(ga[0], Map.of())).as("keel-bom manages %s", client)
                    .containsEntry(ga[1], "${" + property + "}");
            assertThat(childText(bomProperties, property)).as("keel-bom's %s", property)
                    .isEqualTo(childText(parentProperties, property));
        });
    }

    /** The RocketMQ clients come with the exclusions Keel builds with (what a client never needs: docs/rocketmq.md). */
    @Test
    void bomShouldExcludeFromTheRocketMqClientsWhatKeelExcludes() throws Exception {
        for (String artifact : List.of("rocketmq-client", "rocketmq-tools")) {
            assertThat(exclusions(ROOT.resolve("keel-bom/pom.xml"), artifact)).as("keel-bom's exclusions of %s", artifact)
                    .isNotEmpty().isEqualTo(exclusions(ROOT.resolve("pom.xml"), artifact));
        }
    }

    private static List<String> exclusions(Path pom, String artifactId) throws Exception {
        NodeList deps = firstChild(firstChild(read(pom).getDocumentElement(), "dependencyManagement"), "dependencies")
                .getElementsByTagName("dependency");
        List<String> result = new ArrayList<>();
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            if (artifactId.equals(childText(d, "artifactId"))) {
                NodeList excluded = d.getElementsByTagName("exclusion");
                for (int j = 0; j < excluded.getLength(); j++) {
                    Element e = (Element) excluded.item(j);
                    result.add(childText(e, "groupId") + ":" + childText(e, "artifactId"));
                }
            }
        }
        return result;
    }

    /** groupId to (artifactId to version) of keel-bom's dependencyManagement. */
    private static Map<String, Map<String, String>> managed() throws Exception {
        Element bom = read(ROOT.resolve("keel-bom/pom.xml")).getDocumentElement();
        Map<String, Map<String, String>> result = new TreeMap<>();
        NodeList deps = firstChild(firstChild(bom, "dependencyManagement"), "dependencies")
                .getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            result.computeIfAbsent(childText(d, "groupId"), g -> new TreeMap<>())
                    .put(childText(d, "artifactId"), childText(d, "version"));
        }
        return result;
    }

    /** A module that is not published: its own pom sets the property {@code maven.deploy.skip} to true. */
    private static boolean skipsDeploy(Element pom) {
        for (Node n = pom.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals("properties")) {
                return "true".equals(childText(e, "maven.deploy.skip"));
            }
        }
        return false;
    }

    /** A module without code that brings Keel modules to its users (a compile-scope dev.keel dependency): a starter. */
    private static boolean gathersKeelModules(Element pom) {
        NodeList deps = firstChild(pom, "dependencies").getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            if ("dev.keel".equals(childText(d, "groupId")) && childText(d, "scope") == null) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasMainCode(Path module) throws IOException {
        Path main = module.resolve("src/main/java");
        if (!Files.isDirectory(main)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(main)) {
            return files.anyMatch(f -> f.toString().endsWith(".java"));
        }
    }

    private static Document read(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    private static Element firstChild(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no <" + name + "> in <" + parent.getTagName() + ">");
    }

    private static String childText(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }

    private static List<String> childrenNamed(Element root, String container, String name) {
        List<String> result = new ArrayList<>();
        for (Node n = firstChild(root, container).getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                result.add(e.getTextContent().trim());
            }
        }
        return result;
    }
}
