package dev.keel.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The complete application pom of docs/spring-boot.md is {@code examples/spring-boot-kafka/pom.xml}, word for word
 * (which {@link SpringBootExampleTest} builds), on the versions of this build: Spring Boot's, Keel's, and the four
 * client versions it sets over Spring Boot's (the doc's "Client versions" table shows the same). Cheap: part of the
 * default build, so a version bump that forgets the example or the doc fails at once.
 */
class SpringBootDocsExampleTest {

    private static final Path ROOT = Path.of(System.getProperty("keel.root", "..")).normalize();
    private static final Path EXAMPLE = ROOT.resolve("examples/spring-boot-kafka");
    private static final Path DOC = ROOT.resolve("docs/spring-boot.md");
    /** Spring Boot's property for each client version the example keeps, and the root pom's property for it. */
    private static final Map<String, String> OVERRIDES = Map.of("kafka.version", "kafka.version",
            "rabbit-amqp-client.version", "amqp-client.version", "jedis.version", "jedis.version",
            "jackson-bom.version", "jackson.version");

    @Test
    void theDocShouldShowTheExamplesPomWordForWord() throws Exception {
        String pom = Files.readString(EXAMPLE.resolve("pom.xml"));
        assertThat(Files.readString(DOC)).as("docs/spring-boot.md").contains("```xml\n" + pom + "```\n");
    }

    @Test
    void theExampleShouldUseThisBuildsSpringBootKeelAndClientVersions() throws Exception {
        Element root = read(ROOT.resolve("pom.xml"));
        Element rootProperties = child(root, "properties");
        Element example = read(EXAMPLE.resolve("pom.xml"));
        Element properties = child(example, "properties");

        assertThat(text(child(example, "parent"), "version")).as("Spring Boot's parent")
                .isEqualTo(text(rootProperties, "spring-boot.version"));
        assertThat(text(properties, "keel.version")).isEqualTo(text(root, "version"));
        String doc = Files.readString(DOC);
        OVERRIDES.forEach((bootProperty, keelProperty) -> {
            String version = text(rootProperties, keelProperty);
            assertThat(text(properties, bootProperty)).as("the example's %s", bootProperty).isEqualTo(version);
            assertThat(doc).as("the Client versions table").contains("| " + version + " | ")
                    .contains("`" + bootProperty + "`");
        });
    }

    @Test
    void theExampleShouldHoldTheDocsFourProperties() throws Exception {
        String doc = Files.readString(DOC);
        int start = doc.indexOf("```properties\n", doc.indexOf("## One dependency and four properties"));
        String block = doc.substring(start + "```properties\n".length(), doc.indexOf("```", start + 3));
        assertThat(Files.readString(EXAMPLE.resolve("src/main/resources/application.properties")))
                .as("the example's application.properties").contains(block);
    }

    private static Element read(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no <" + name + "> in <" + parent.getTagName() + ">");
    }

    private static String text(Element parent, String name) {
        return child(parent, name).getTextContent().trim();
    }
}
