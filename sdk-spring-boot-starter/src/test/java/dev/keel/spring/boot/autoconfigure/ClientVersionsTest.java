package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Spring Boot's dependency management replaces the client versions Keel is built with when the application's parent
 * is spring-boot-starter-parent (kafka-clients 4.2.2 for 4.4.0, jedis 7.4.1 for 8.0.2 with Boot 4.1.2; activemq-client
 * 6.2.10 for 6.3.1 where the application does not import keel-bom): the starter says so at startup, naming the property
 * that keeps Keel's version, instead of running silently on another one.
 */
class ClientVersionsTest {

    private static final Properties BUILT = new Properties();

    static {
        BUILT.putAll(Map.of("kafka-clients", "4.4.0", "amqp-client", "5.37.0", "jedis", "8.0.2",
                "jackson-databind", "3.3.0", "rocketmq-client", "5.5.0", "activemq-client", "6.3.1",
                "artemis-jakarta-client", "2.56.0"));
    }

    @Test
    void theVersionsKeelIsBuiltWithShouldBeInTheStarter() {
        Properties built = ClientVersions.built(getClass().getClassLoader());
        assertThat(built).containsKeys("kafka-clients", "amqp-client", "jedis", "jackson-databind", "rocketmq-client",
                "activemq-client", "artemis-jakarta-client");
        assertThat(built.values()).allSatisfy(v -> assertThat((String) v).matches("\\d+\\.\\d+\\.\\d+.*"));
    }

    @Test
    void theClientsOnThisClassPathShouldBeFoundAtTheVersionsKeelIsBuiltWith() {
        ClassLoader loader = getClass().getClassLoader();
        Properties built = ClientVersions.built(loader);
        for (String client : new String[] {"kafka-clients", "amqp-client", "jedis", "jackson-databind",
                "activemq-client", "artemis-jakarta-client"}) {
            assertThat(ClientVersions.runtime(loader, client)).as(client).contains(built.getProperty(client));
        }
        assertThat(ClientVersions.mismatches(c -> ClientVersions.runtime(loader, c), built)).isEmpty();
    }

    @Test
    void springBootsOlderClientsShouldEachBeNamedWithThePropertyThatKeepsKeelsVersion() {
        Map<String, String> boot = Map.of("kafka-clients", "4.2.2", "amqp-client", "5.30.0", "jedis", "7.4.1",
                "jackson-databind", "3.1.7", "activemq-client", "6.2.10", "artemis-jakarta-client", "2.53.0");

        assertThat(ClientVersions.mismatches(c -> Optional.ofNullable(boot.get(c)), BUILT)).containsExactlyInAnyOrder(
                "Keel is built and tested with kafka-clients 4.4.0, but this application resolved 4.2.2: with "
                        + "spring-boot-starter-parent as the parent, set <kafka.version>4.4.0</kafka.version> in the pom",
                "Keel is built and tested with amqp-client 5.37.0, but this application resolved 5.30.0: with "
                        + "spring-boot-starter-parent as the parent, set <rabbit-amqp-client.version>5.37.0"
                        + "</rabbit-amqp-client.version> in the pom",
                "Keel is built and tested with jedis 8.0.2, but this application resolved 7.4.1: with "
                        + "spring-boot-starter-parent as the parent, set <jedis.version>8.0.2</jedis.version> in the pom",
                "Keel is built and tested with jackson-databind 3.3.0, but this application resolved 3.1.7: with "
                        + "spring-boot-starter-parent as the parent, set <jackson-bom.version>3.3.0</jackson-bom.version> "
                        + "in the pom",
                "Keel is built and tested with activemq-client 6.3.1, but this application resolved 6.2.10: with "
                        + "spring-boot-starter-parent as the parent, set <activemq.version>6.3.1</activemq.version> "
                        + "in the pom",
                "Keel is built and tested with artemis-jakarta-client 2.56.0, but this application resolved 2.53.0: "
                        + "with spring-boot-starter-parent as the parent, set <artemis.version>2.56.0</artemis.version> "
                        + "in the pom");
    }

    @Test
    void aNewerMinorOrPatchVersionOrAnAbsentClientShouldPassAndANewerMajorOneShouldNot() {
        assertThat(ClientVersions.mismatches(c -> c.equals("jedis") ? Optional.of("8.1.0")
                : c.equals("kafka-clients") ? Optional.of("4.4.1") : Optional.empty(), BUILT)).isEmpty();
        assertThat(ClientVersions.mismatches(c -> c.equals("jedis") ? Optional.of("9.0.0") : Optional.empty(), BUILT))
                .singleElement().asString().contains("jedis 8.0.2").contains("resolved 9.0.0");
        assertThat(ClientVersions.mismatches(c -> c.equals("rocketmq-client") ? Optional.of("5.3.1")
                : Optional.empty(), BUILT)).singleElement().asString()
                .contains("rocketmq-client 5.5.0").contains("keel-bom");
    }
}
