package dev.keel.testbrokers;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The images the harness asks for name the versions of the clients on the class path, the ActiveMQ ones those of the
 * broker jars the local path runs (the same as the test clients'), Debian's for the others.
 */
class ContainerImagesTest {

    @Test
    void theBrokerImagesShouldNameTheClientVersionsOnTheClassPath() {
        assertThat(ContainerImages.KAFKA).matches("apache/kafka:\\d+\\.\\d+\\.\\d+")
                .isEqualTo("apache/kafka:" + ContainerImages.kafkaClientsVersion());
        assertThat(ContainerImages.ROCKETMQ).matches("apache/rocketmq:\\d+\\.\\d+\\.\\d+");
        assertThat(ContainerImages.ROCKETMQ).isEqualTo("apache/rocketmq:" + ContainerImages.rocketmqClientVersion());
        assertThat(ContainerImages.rocketmqClientVersion()).doesNotStartWith("V").doesNotContain("_");
    }

    @Test
    void theActiveMQImagesShouldNameTheBrokerJarsTheLocalPathRuns() {
        assertThat(ContainerImages.ARTEMIS).matches("apache/activemq-artemis:\\d+\\.\\d+\\.\\d+")
                .isEqualTo("apache/activemq-artemis:" + ContainerImages.brokerJarVersion("artemis", "artemis-server"))
                .endsWith(":" + org.apache.activemq.artemis.utils.VersionLoader.getVersion().getFullVersion());
        assertThat(ContainerImages.ACTIVEMQ).matches("apache/activemq-classic:\\d+\\.\\d+\\.\\d+")
                .isEqualTo("apache/activemq-classic:" + ContainerImages.brokerJarVersion("activemq", "activemq-broker"))
                .endsWith(":" + org.apache.activemq.ActiveMQConnectionMetaData.PROVIDER_VERSION);
    }

    @Test
    void theOtherImagesShouldNameAMajorOrMinorVersionLine() {
        assertThat(ContainerImages.REDIS).isEqualTo("redis:7.0");
        assertThat(ContainerImages.RABBITMQ).isEqualTo("rabbitmq:3.10");
        assertThat(ContainerImages.POSTGRES).isEqualTo("postgres:15");
    }
}
