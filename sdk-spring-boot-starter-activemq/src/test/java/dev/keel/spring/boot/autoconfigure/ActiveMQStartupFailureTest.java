package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * An ActiveMQ Classic that does not answer stops the application with Spring Boot's report (the failure analyzer's
 * description, and an action naming keel.activemq.url and the address tried), never showing a password. The
 * application is this starter's class path alone: no keel.broker.
 */
@ExtendWith(OutputCaptureExtension.class)
class ActiveMQStartupFailureTest {

    private static final String SECRET = "s3cret-Pa55";

    @Test
    void aUrlThatDoesNotAnswerShouldBeReportedWithThePropertyToFixAndNoPassword(CapturedOutput output)
            throws IOException {
        int closed = StartupFailureAnalysisTest.closedPort();

        assertThatThrownBy(() -> new SpringApplicationBuilder(StartupFailureAnalysisTest.Application.class)
                .web(WebApplicationType.NONE)
                .properties("keel.activemq.url=tcp://127.0.0.1:" + closed + "?jms.prefetchPolicy.all=10",
                        "keel.activemq.user=app", "keel.activemq.password=" + SECRET,
                        "keel.topics.startup-failure.partitions=1", "keel.idempotency.store=in-memory",
                        "test.topic=startup-failure")
                .run().close()).isInstanceOf(RuntimeException.class);

        String all = output.toString();
        assertThat(all).contains("APPLICATION FAILED TO START").doesNotContain(SECRET);
        String report = all.substring(all.lastIndexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains("Keel could not reach the broker");
        assertThat(report.substring(report.indexOf("Action:"))).contains("keel.activemq.url")
                .contains("tried: tcp://127.0.0.1:" + closed + "?jms.prefetchPolicy.all=******")
                .doesNotContain("keel.kafka").doesNotContain("keel.artemis");
    }
}
