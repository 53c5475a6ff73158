package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A handler that fails every attempt: the dead-letter WARN carries the stack trace of its exception, once. */
@ExtendWith(OutputCaptureExtension.class)
class FailingHandlerLogTest {

    @Test
    void theDeadLetterWarningShouldCarryTheStackTraceOfTheHandlersException(CapturedOutput output) {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withBean("billing", Billing.class)
                .withPropertyValues("keel.topics.orders.partitions=1", "keel.idempotency.store=in-memory",
                        "keel.listener.defaults.retry.max-attempts=2",
                        "keel.listener.defaults.retry.initial-backoff=10ms")
                .run(context -> {
                    context.getBean(Publisher.class).publish("orders", Message.ofText("o-1"));
                    await().atMost(Duration.ofSeconds(30)).until(() -> output.toString().contains("dead-lettering to"));
                    await().atMost(Duration.ofSeconds(30)).until(() -> output.toString()
                            .contains("at " + Billing.class.getName() + ".bill("));
                    assertThat(output.toString().split("negative amount for order o-1", -1))
                            .as("the exception told once (its message in the WARN line and the trace's first line)")
                            .hasSizeLessThanOrEqualTo(3);
                });
    }

    public static class Billing {
        @KeelListener(topic = "orders", group = "billing")
        public void bill(String order) {
            throw new IllegalStateException("negative amount for order " + order);
        }
    }
}
