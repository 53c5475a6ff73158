package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.RabbitEndpoint;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The line the test report carries per broker: its origin, what runs it, its address; never a password. */
class BrokerOriginReportTest {
    private final NoFaultControl control = new NoFaultControl("test", () -> { });

    @Test
    void aContainerShouldBeReportedWithItsImageAndAddress() {
        Provided provided = new Provided(new KafkaEndpoint(Origin.CONTAINER, "localhost:32786", control), control,
                "apache/kafka:4.4.0");

        assertThat(BrokerRegistry.originOf(provided)).isEqualTo("container apache/kafka:4.4.0 at localhost:32786");
    }

    @Test
    void aLocalOrConfiguredBrokerShouldBeReportedWithItsAddressAloneAndNoPassword() {
        Provided local = new Provided(new KafkaEndpoint(Origin.LOCAL, "127.0.0.1:29192", control), control);
        Provided configured = new Provided(new RabbitEndpoint(Origin.CONFIGURED, "10.0.0.5", 5672, "app", "s3cret", "/",
                control), control);

        assertThat(BrokerRegistry.originOf(local)).isEqualTo("local at 127.0.0.1:29192");
        assertThat(BrokerRegistry.originOf(configured)).isEqualTo("configured at 10.0.0.5:5672 vhost /")
                .doesNotContain("s3cret");
    }
}
