package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Origin;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OriginSelectorTest {
    private final AtomicInteger probes = new AtomicInteger();

    private DockerProbe docker(boolean answers) {
        return () -> {
            probes.incrementAndGet();
            return answers;
        };
    }

    @Test
    void configuredEndpointWinsWithoutAskingDocker() {
        Settings settings = Settings.of(Map.of("KEEL_KAFKA_BOOTSTRAP", "10.0.0.1:9092"));

        OriginSelector.Selection selection = new OriginSelector(settings, docker(true)).select(BrokerKind.KAFKA);

        assertThat(selection.origin()).isEqualTo(Origin.CONFIGURED);
        assertThat(selection.reason()).contains("KEEL_KAFKA_BOOTSTRAP");
        assertThat(probes).hasValue(0);
    }

    @Test
    void systemPropertyWinsOverEnvironmentVariable() {
        Settings settings = new Settings(
                Map.of("keel.redis.uri", "redis://a:1")::get, Map.of("KEEL_REDIS_URI", "redis://b:2")::get);

        assertThat(settings.endpoint(BrokerKind.REDIS)).contains("redis://a:1");
        assertThat(new OriginSelector(settings, docker(false)).select(BrokerKind.REDIS).reason())
                .contains("-Dkeel.redis.uri");
    }

    @Test
    void containersAreChosenOnlyWhenDockerAnswers() {
        OriginSelector.Selection selection = new OriginSelector(Settings.of(Map.of()), docker(true)).select(BrokerKind.ROCKET);

        assertThat(selection.origin()).isEqualTo(Origin.CONTAINER);
        assertThat(selection.reason()).contains("a Docker engine answers").contains("Testcontainers");
        assertThat(probes).hasValue(1);
    }

    @Test
    void withoutDockerTheLocalPathIsChosenAndNamed() {
        OriginSelector selector = new OriginSelector(Settings.of(Map.of()), docker(false));

        assertThat(selector.select(BrokerKind.KAFKA))
                .returns(Origin.LOCAL, OriginSelector.Selection::origin)
                .extracting(OriginSelector.Selection::reason).asString()
                .contains("no KEEL_KAFKA_BOOTSTRAP and no Docker engine answers")
                .contains("local Kafka KRaft process");
        assertThat(selector.select(BrokerKind.RABBIT).reason()).contains("private RabbitMQ node");
        assertThat(selector.select(BrokerKind.ROCKET).reason()).contains("RocketMQ name server and broker processes");
        assertThat(selector.select(BrokerKind.REDIS).reason()).contains("redis-server process");
        assertThat(selector.select(BrokerKind.ARTEMIS).reason()).contains("local ActiveMQ Artemis broker process");
        assertThat(selector.select(BrokerKind.ACTIVEMQ).reason()).contains("local ActiveMQ Classic broker process");
    }

    @Test
    void artemisUsesTheConfiguredUrl() {
        Settings settings = new Settings(Map.of("keel.artemis.url", "tcp://10.0.0.1:61616")::get, name -> null);

        OriginSelector.Selection selection = new OriginSelector(settings, docker(true)).select(BrokerKind.ARTEMIS);

        assertThat(selection.origin()).isEqualTo(Origin.CONFIGURED);
        assertThat(selection.reason()).contains("-Dkeel.artemis.url");
        assertThat(settings.endpoint(BrokerKind.ARTEMIS)).contains("tcp://10.0.0.1:61616");
        assertThat(BrokerKind.ARTEMIS.endpointEnvVar()).isEqualTo("KEEL_ARTEMIS_URL");
    }

    @Test
    void theActiveMQBrokersAreContainersWhenDockerAnswers() {
        OriginSelector selector = new OriginSelector(Settings.of(Map.of()), docker(true));

        assertThat(selector.select(BrokerKind.ARTEMIS))
                .returns(Origin.CONTAINER, OriginSelector.Selection::origin)
                .extracting(OriginSelector.Selection::reason).asString()
                .contains("no KEEL_ARTEMIS_URL and a Docker engine answers")
                .contains("ActiveMQ Artemis container with Testcontainers");
        assertThat(selector.select(BrokerKind.ACTIVEMQ))
                .returns(Origin.CONTAINER, OriginSelector.Selection::origin)
                .extracting(OriginSelector.Selection::reason).asString()
                .contains("ActiveMQ Classic container with Testcontainers");
    }

    @Test
    void activemqUsesTheConfiguredUrl() {
        Settings configured = new Settings(Map.of("keel.activemq.url", "tcp://10.0.0.1:61616")::get, name -> null);

        assertThat(new OriginSelector(configured, docker(true)).select(BrokerKind.ACTIVEMQ))
                .returns(Origin.CONFIGURED, OriginSelector.Selection::origin)
                .extracting(OriginSelector.Selection::reason).asString().contains("-Dkeel.activemq.url");
        assertThat(BrokerKind.ACTIVEMQ.endpointEnvVar()).isEqualTo("KEEL_ACTIVEMQ_URL");
        assertThat(probes).hasValue(0);
    }

    @Test
    void theActiveMQBrokersInContainersModeAreContainersAndLocalModeKeepsThemLocal() {
        Settings containers = Settings.of(Map.of("KEEL_BROKERS", "containers"));
        Settings local = Settings.of(Map.of("KEEL_BROKERS", "local"));

        for (BrokerKind kind : new BrokerKind[] {BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ}) {
            assertThat(new OriginSelector(containers, docker(true)).select(kind).origin()).isEqualTo(Origin.CONTAINER);
            assertThatThrownBy(() -> new OriginSelector(containers, docker(false)).select(kind))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no Docker engine answers");
            assertThat(new OriginSelector(local, docker(true)).select(kind).origin()).isEqualTo(Origin.LOCAL);
        }
    }

    @Test
    void rabbitServiceModeIsNamed() {
        Settings settings = Settings.of(Map.of("KEEL_RABBIT_LOCAL", "service"));

        assertThat(new OriginSelector(settings, docker(false)).select(BrokerKind.RABBIT).reason())
                .contains("local RabbitMQ service on 127.0.0.1:5672");
    }

    @Test
    void localModeSkipsTheDockerProbe() {
        Settings settings = Settings.of(Map.of("KEEL_BROKERS", "local"));

        assertThat(new OriginSelector(settings, docker(true)).select(BrokerKind.REDIS).origin()).isEqualTo(Origin.LOCAL);
        assertThat(probes).hasValue(0);
    }

    @Test
    void containersModeWithoutDockerFailsWithAHint() {
        Settings settings = Settings.of(Map.of("KEEL_BROKERS", "containers"));

        assertThatThrownBy(() -> new OriginSelector(settings, docker(false)).select(BrokerKind.KAFKA))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no Docker engine answers");
    }

    @Test
    void unknownModeIsRejected() {
        Settings settings = Settings.of(Map.of("keel.brokers", "cloud"));

        assertThatThrownBy(settings::mode).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auto, containers or local");
    }

    @Test
    void blankEndpointCountsAsAbsent() {
        Map<String, String> values = new HashMap<>();
        values.put("KEEL_RABBIT_URI", "  ");

        assertThat(new OriginSelector(Settings.of(values), docker(false)).select(BrokerKind.RABBIT).origin())
                .isEqualTo(Origin.LOCAL);
    }

    @Test
    void dockerIsProbedOncePerJvm() {
        CachedDockerProbe cached = new CachedDockerProbe(docker(false));
        OriginSelector selector = new OriginSelector(Settings.of(Map.of()), cached);

        for (BrokerKind kind : BrokerKind.values()) {
            selector.select(kind);
        }

        assertThat(probes).hasValue(1);
    }
}
