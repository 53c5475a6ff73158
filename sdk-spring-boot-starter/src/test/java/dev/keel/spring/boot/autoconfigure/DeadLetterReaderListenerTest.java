package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A {@code @KeelListener} on a dead-letter topic ({@code orders.DLT}) reads dead letters as the Java API's
 * {@code DeadLetterPolicy.none()} readers do: what fails its last attempt there is kept and handled again until it
 * succeeds, not sent on to an {@code orders.DLT.DLT} of its own, where nobody would read it.
 */
@ExtendWith(OutputCaptureExtension.class)
class DeadLetterReaderListenerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    static final AtomicInteger ATTEMPTS = new AtomicInteger();
    static final Queue<String> REPAIRED = new ConcurrentLinkedQueue<>();
    static final Queue<String> SECOND_LEVEL = new ConcurrentLinkedQueue<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withPropertyValues("keel.topics[orders.DLT].partitions=1", "keel.topics[orders.DLT.DLT].partitions=1",
                    "keel.idempotency.store=in-memory",
                    "keel.listener.defaults.retry.max-attempts=1");

    @Test
    void aFailingDeadLetterReaderShouldHandleTheMessageAgainInsteadOfDeadLetteringIt() {
        ATTEMPTS.set(0);
        REPAIRED.clear();
        SECOND_LEVEL.clear();
        runner.withBean("reader", Reader.class).withBean("secondLevel", SecondLevel.class).run(context -> {
            context.getBean(Publisher.class).publish("orders.DLT", Message.ofText("order-7"));

            await().atMost(PATIENCE).until(() -> REPAIRED.contains("order-7"));
            assertThat(ATTEMPTS.get()).as("failed twice, then repaired").isEqualTo(3);
            assertThat(SECOND_LEVEL).as("nothing sent on to orders.DLT.DLT").isEmpty();
        });
    }

    @Test
    void aDottedPropertyForADottedIdShouldBeWarnedAboutNamingTheBracketForm(CapturedOutput output) {
        runner.withBean("reader", Reader.class)
                .withPropertyValues("keel.listeners.repair-orders.DLT.auto-startup=false").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(output).contains("keel.listeners.repair-orders.dlt.auto-startup binds to nothing")
                            .contains("keel.listeners[repair-orders.DLT].auto-startup");
                });
    }

    public static class Reader {
        @KeelListener(topic = "orders.DLT", group = "repair")
        public void repair(String payload) {
            if (ATTEMPTS.incrementAndGet() < 3) {
                throw new IllegalStateException("the repair service is not ready yet");
            }
            REPAIRED.add(payload);
        }
    }

    /** Would see what the reader dead-lettered, had it a dead-letter topic of its own. */
    public static class SecondLevel {
        @KeelListener(topic = "orders.DLT.DLT", group = "repair")
        public void seen(String payload) {
            SECOND_LEVEL.add(payload);
        }
    }
}
