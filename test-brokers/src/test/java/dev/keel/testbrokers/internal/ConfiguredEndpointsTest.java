package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.ActiveMQEndpoint;
import dev.keel.testbrokers.ArtemisEndpoint;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.FaultInjectionUnsupportedException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfiguredEndpointsTest {

    @Test
    void rabbitUriIsParsedWithVirtualHost() {
        RabbitEndpoint rabbit = (RabbitEndpoint) ConfiguredEndpoints.create(BrokerKind.RABBIT,
                "amqp://app:s%40cret@mq.example:5673/orders%2Fv1", "KEEL_RABBIT_URI").endpoint();

        assertThat(rabbit.host()).isEqualTo("mq.example");
        assertThat(rabbit.port()).isEqualTo(5673);
        assertThat(rabbit.username()).isEqualTo("app");
        assertThat(rabbit.password()).isEqualTo("s@cret");
        assertThat(rabbit.virtualHost()).isEqualTo("orders/v1");
        assertThat(rabbit.uri()).isEqualTo("amqp://app:s%40cret@mq.example:5673/orders%2Fv1");
        assertThat(rabbit.origin()).isEqualTo(Origin.CONFIGURED);
    }

    @Test
    void rabbitUriDefaultsToGuestAndTheDefaultVirtualHost() {
        RabbitEndpoint rabbit = (RabbitEndpoint) ConfiguredEndpoints.create(BrokerKind.RABBIT,
                "amqp://localhost", "KEEL_RABBIT_URI").endpoint();

        assertThat(rabbit.port()).isEqualTo(5672);
        assertThat(rabbit.username()).isEqualTo("guest");
        assertThat(rabbit.virtualHost()).isEqualTo("/");
    }

    @Test
    void passwordsStayOutOfToStringAndErrors() {
        RabbitEndpoint rabbit = (RabbitEndpoint) ConfiguredEndpoints.create(BrokerKind.RABBIT,
                "amqp://app:topsecret@mq:5672/v", "KEEL_RABBIT_URI").endpoint();
        RedisEndpoint redis = (RedisEndpoint) ConfiguredEndpoints.create(BrokerKind.REDIS,
                "redis://:topsecret@cache:6380/2", "KEEL_REDIS_URI").endpoint();

        assertThat(rabbit.toString()).doesNotContain("topsecret");
        assertThat(redis.toString()).doesNotContain("topsecret").contains("cache:6380/2");
        assertThat(redis.password()).contains("topsecret");
        assertThatThrownBy(() -> ConfiguredEndpoints.create(BrokerKind.RABBIT, "http://u:topsecret@x y", "KEEL_RABBIT_URI"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KEEL_RABBIT_URI")
                .hasMessageNotContaining("topsecret");
    }

    @Test
    void configuredEndpointsRefuseFaultInjection() {
        KafkaEndpoint kafka = (KafkaEndpoint) ConfiguredEndpoints.create(BrokerKind.KAFKA, "k:9092", "KEEL_KAFKA_BOOTSTRAP")
                .endpoint();

        assertThat(kafka.supportsFaults()).isFalse();
        assertThatThrownBy(kafka::kill).isInstanceOf(FaultInjectionUnsupportedException.class)
                .hasMessageContaining("KEEL_KAFKA_BOOTSTRAP");
    }

    @Test
    void artemisUrlIsPassedOnAsGivenWithoutFaultsOrProxy() {
        ArtemisEndpoint artemis = (ArtemisEndpoint) ConfiguredEndpoints.create(BrokerKind.ARTEMIS,
                "tcp://mq.example:61617?user=app&password=topsecret", "KEEL_ARTEMIS_URL").endpoint();

        assertThat(artemis.url()).isEqualTo("tcp://mq.example:61617?user=app&password=topsecret");
        assertThat(artemis.origin()).isEqualTo(Origin.CONFIGURED);
        assertThat(artemis.toString()).contains("mq.example:61617").doesNotContain("topsecret");
        assertThat(artemis.supportsFaults()).isFalse();
        assertThat(artemis.hasProxiedUrl()).isFalse();
        assertThatThrownBy(artemis::restart).isInstanceOf(FaultInjectionUnsupportedException.class)
                .hasMessageContaining("KEEL_ARTEMIS_URL");
        assertThatThrownBy(artemis::proxiedUrl).isInstanceOf(FaultInjectionUnsupportedException.class);
    }

    @Test
    void artemisTakesAListOfUrlsAndRefusesWhatIsNoArtemisUrl() {
        assertThat(((ArtemisEndpoint) ConfiguredEndpoints.create(BrokerKind.ARTEMIS,
                "(tcp://a:61616,tcp://b:61616)?ha=true", "KEEL_ARTEMIS_URL").endpoint()).url())
                .isEqualTo("(tcp://a:61616,tcp://b:61616)?ha=true");
        assertThatThrownBy(() -> ConfiguredEndpoints.create(BrokerKind.ARTEMIS, "amqp://a:5672", "KEEL_ARTEMIS_URL"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KEEL_ARTEMIS_URL")
                .hasMessageContaining("tcp://127.0.0.1:61616");
        assertThatThrownBy(() -> ConfiguredEndpoints.create(BrokerKind.ARTEMIS, "tcp://a", "KEEL_ARTEMIS_URL"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void activemqUrlIsPassedOnAsGivenWithoutFaultsOrProxyAndItsPasswordsMasked() {
        ActiveMQEndpoint activemq = (ActiveMQEndpoint) ConfiguredEndpoints.create(BrokerKind.ACTIVEMQ,
                "tcp://mq.example:61617?jms.userName=app&jms.password=topsecret", "KEEL_ACTIVEMQ_URL").endpoint();

        assertThat(activemq.url()).isEqualTo("tcp://mq.example:61617?jms.userName=app&jms.password=topsecret");
        assertThat(activemq.origin()).isEqualTo(Origin.CONFIGURED);
        assertThat(activemq.address()).isEqualTo("tcp://mq.example:61617?jms.userName=app&jms.password=***");
        assertThat(activemq.toString()).contains("mq.example:61617").doesNotContain("topsecret");
        assertThat(activemq.supportsFaults()).isFalse();
        assertThat(activemq.hasProxiedUrl()).isFalse();
        assertThatThrownBy(activemq::restart).isInstanceOf(FaultInjectionUnsupportedException.class)
                .hasMessageContaining("KEEL_ACTIVEMQ_URL");
        assertThatThrownBy(activemq::proxiedUrl).isInstanceOf(FaultInjectionUnsupportedException.class);
    }

    @Test
    void activemqTakesAFailoverUrlAndRefusesWhatIsNoActiveMQUrl() {
        String failover = "failover:(tcp://a:61616,tcp://b:61616)?randomize=false&jms.password=topsecret";
        ActiveMQEndpoint activemq = (ActiveMQEndpoint) ConfiguredEndpoints.create(BrokerKind.ACTIVEMQ, failover,
                "KEEL_ACTIVEMQ_URL").endpoint();
        assertThat(activemq.url()).isEqualTo(failover);
        assertThat(activemq.address()).isEqualTo("failover:(tcp://a:61616,tcp://b:61616)?randomize=false&jms.password=***");
        assertThatThrownBy(() -> ConfiguredEndpoints.create(BrokerKind.ACTIVEMQ, "amqp://a:5672", "KEEL_ACTIVEMQ_URL"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KEEL_ACTIVEMQ_URL")
                .hasMessageContaining("tcp://127.0.0.1:61616");
        assertThatThrownBy(() -> ConfiguredEndpoints.create(BrokerKind.ACTIVEMQ, "tcp://a", "KEEL_ACTIVEMQ_URL"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConfiguredEndpoints.create(BrokerKind.ACTIVEMQ, "failover:", "KEEL_ACTIVEMQ_URL"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
