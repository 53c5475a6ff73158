package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.faults.FaultProxy;
import dev.keel.spring.KeelListener;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A consumer that loses its RabbitMQ connection makes the {@code keel} health DOWN (so readiness fails) with its
 * subscription RECONNECTING, and UP with it RUNNING once the broker is back: a consumer-only service is not
 * "ready" without its broker. The outage is logged once when it begins (with its cause) and once when it ends,
 * however many partition queues and attempts it spans.
 */
@ExtendWith(OutputCaptureExtension.class)
@UsesBrokers(BrokerKind.RABBIT)
class BrokerOutageHealthTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Long enough for several reconnect attempts of each partition queue and member registration. */
    private static final Duration OUTAGE = Duration.ofSeconds(8);

    private final String topic = UniqueNames.of("orders");

    @Test
    void healthShouldBeDownWithTheSubscriptionReconnectingWhileTheConsumerHasNoBroker(CapturedOutput output) {
        RabbitEndpoint rabbit = Brokers.rabbit();
        try (FaultProxy proxy = FaultProxy.to(rabbit.host(), rabbit.port())) {
            runner(rabbit, proxy).run(context -> {
                assertThat(context).hasNotFailed();
                KeelHealthIndicator health = context.getBean(KeelHealthIndicator.class);
                assertThat(health.health().getStatus()).isEqualTo(Status.UP);

                proxy.refuse(true);
                proxy.cut();
                await().atMost(PATIENCE).untilAsserted(() -> {
                    Health h = health.health();
                    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(h.getDetails()).containsEntry("subscriptions", Map.of(topic + "/billing", "RECONNECTING"));
                });
                await().during(OUTAGE).atMost(OUTAGE.multipliedBy(3))
                        .until(() -> health.health().getStatus().equals(Status.DOWN));

                proxy.heal();
                await().atMost(PATIENCE).untilAsserted(() -> {
                    Health h = health.health();
                    assertThat(h.getStatus()).isEqualTo(Status.UP);
                    assertThat(h.getDetails()).containsEntry("subscriptions", Map.of(topic + "/billing", "RUNNING"));
                });
                await().atMost(PATIENCE).until(() -> output.toString().contains(
                        "consuming topic '" + topic + "' as group 'billing' again"));
            });
            List<String> warnings = output.toString().lines()
                    .filter(l -> l.contains("WARN") && l.contains(topic) && l.contains("dev.keel.rabbit")).toList();
            assertThat(warnings).as("one WARN for consuming, at most one for the member registration: %s", warnings)
                    .hasSizeLessThanOrEqualTo(2)
                    .anySatisfy(l -> assertThat(l).contains("cannot consume topic '" + topic + "' as group 'billing'")
                            .contains("cannot connect to RabbitMQ"));
            assertThat(output.toString()).doesNotContain("lane queue");
        }
    }

    private ApplicationContextRunner runner(RabbitEndpoint rabbit, FaultProxy proxy) {
        String uri = "amqp://" + rabbit.username() + ":" + rabbit.password() + "@" + proxy.host() + ":"
                + proxy.port() + "/" + URLEncoder.encode(rabbit.virtualHost(), StandardCharsets.UTF_8);
        return new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withBean("billing", Billing.class)
                .withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=" + uri, "keel.idempotency.store=none",
                        "test.topic=" + topic, "keel.topics." + topic + ".partitions=4",
                        "keel.listeners.billing.guarantee=at-least-once", "keel.listeners.billing.dead-letter.enabled=false");
    }

    /** A listener of the topic. */
    public static class Billing {
        @KeelListener(topic = "${test.topic}", group = "billing", id = "billing")
        public void bill(String payload) {
        }
    }
}
