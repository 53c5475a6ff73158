package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Delivery;
import dev.keel.spring.KeelListener;
import java.io.IOException;
import java.net.ServerSocket;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;

/**
 * A Keel failure that stops an application from starting reads as Spring Boot's own startup failures do
 * ("APPLICATION FAILED TO START", a description and an action naming the {@code keel.*} property to fix), not as a
 * stack trace under "Failed to start bean 'keelListenerRegistry'".
 */
@ExtendWith(OutputCaptureExtension.class)
@UsesBrokers(BrokerKind.RABBIT)
class StartupFailureAnalysisTest {

    @Test
    void anUnreachableBrokerShouldBeReportedWithThePropertyToFix(CapturedOutput output) throws IOException {
        int closed = closedPort();

        assertThatThrownBy(() -> start("keel.broker=rabbit",
                "keel.rabbit.uri=amqp://guest:guest@127.0.0.1:" + closed + "/%2F",
                "keel.topics.startup-failure.partitions=1", "keel.idempotency.store=in-memory",
                "test.topic=startup-failure")).isInstanceOf(RuntimeException.class);

        assertThat(output).contains("APPLICATION FAILED TO START").contains("Keel could not reach the broker")
                .contains("127.0.0.1:" + closed).contains("Action:").contains("keel.rabbit.uri");
    }

    @Test
    void theActionForAnUnreachableBrokerShouldNameOnlyTheBrokerInUseAndTheAddressTried(CapturedOutput output)
            throws IOException {
        int closed = closedPort();

        assertThatThrownBy(() -> start("keel.broker=rabbit",
                "keel.rabbit.uri=amqp://guest:s3cret@127.0.0.1:" + closed + "/%2F",
                "keel.topics.startup-failure.partitions=1", "keel.idempotency.store=in-memory",
                "test.topic=startup-failure")).isInstanceOf(RuntimeException.class);

        String action = output.toString().substring(output.toString().lastIndexOf("Action:"));
        assertThat(action).contains("keel.rabbit.uri").contains("127.0.0.1:" + closed)
                .doesNotContain("keel.kafka").doesNotContain("keel.rocket").doesNotContain("s3cret");
    }

    @Test
    void aRefusedLoginShouldBeReportedAsARefusalWithTheCredentialsToFixNotAsAnOutage(CapturedOutput output) {
        String wrong = "wrong-" + UniqueNames.of("pw");

        assertThatThrownBy(() -> start("keel.broker=rabbit", "keel.rabbit.uri=amqp://" + Brokers.rabbit().username() + ":" + wrong + "@"
                + Brokers.rabbit().host() + ":" + Brokers.rabbit().port() + "/%2F",
                "keel.topics.startup-failure.partitions=1", "keel.idempotency.store=in-memory",
                "test.topic=startup-failure")).isInstanceOf(RuntimeException.class);

        assertThat(output).contains("APPLICATION FAILED TO START").contains("The broker refused Keel's access")
                .contains("refused the login of user '" + Brokers.rabbit().username() + "'").contains("keel.rabbit.password")
                .contains("docs/security.md").doesNotContain("Keel could not reach the broker")
                .doesNotContain(wrong);
    }

    @Test
    void aTopicDeclaredWithOtherSettingsThanTheBrokersShouldBeReportedWithThePropertiesToAlign(CapturedOutput output) {
        String topic = UniqueNames.of("startup-topology");
        start("keel.broker=rabbit", "keel.rabbit.uri=" + Brokers.rabbit().uri(), "keel.idempotency.store=in-memory",
                "keel.topics." + topic + ".partitions=1", "test.topic=" + topic);

        assertThatThrownBy(() -> start("keel.broker=rabbit", "keel.rabbit.uri=" + Brokers.rabbit().uri(),
                "keel.idempotency.store=in-memory", "keel.topics." + topic + ".partitions=3", "test.topic=" + topic))
                .isInstanceOf(RuntimeException.class);

        assertThat(output).contains("APPLICATION FAILED TO START").contains("Keel could not use a topic as declared")
                .contains(topic).contains("Align keel.topics." + topic + ".partitions");
    }

    private static void start(String... properties) {
        new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE).properties(properties).run()
                .close();
    }

    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A user's application with one listener. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {
        @Bean
        Listener listener() {
            return new Listener();
        }
    }

    /** A user's listener. */
    public static class Listener {
        @KeelListener(topic = "${test.topic}", group = "billing")
        public void handle(Delivery<String> delivery) {
        }
    }
}
