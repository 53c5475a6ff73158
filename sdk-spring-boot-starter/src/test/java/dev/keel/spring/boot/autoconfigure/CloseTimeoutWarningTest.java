package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.testkit.InMemoryBroker;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A listener close timeout that Spring's shutdown phase would cut short is warned about at startup; one that a
 * handler outlasts, at shutdown, naming the Spring properties to set.
 */
@ExtendWith(OutputCaptureExtension.class)
class CloseTimeoutWarningTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withBean("listener", KeelHealthTest.Listener.class)
            .withPropertyValues("keel.topics.orders.partitions=1");

    @Test
    void theDefaultCloseTimeoutShouldFitSpringsDefaultShutdownPhase(CapturedOutput output) {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(output).doesNotContain("close timeout of");
        });
    }

    @Test
    void aCloseTimeoutAsLongAsTheShutdownPhaseShouldBeWarnedAbout(CapturedOutput output) {
        runner.withPropertyValues("keel.listener.defaults.close-timeout=30s").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(output).contains("Keel listener billing-orders has a close timeout of PT30S")
                    .contains("spring.lifecycle.timeout-per-shutdown-phase=PT30S");
        });
    }

    @Test
    void aLongerShutdownPhaseShouldMakeRoomForALongerCloseTimeout(CapturedOutput output) {
        runner.withPropertyValues("keel.listeners.billing-orders.close-timeout=30s",
                "spring.lifecycle.timeout-per-shutdown-phase=60s").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(output).doesNotContain("close timeout of");
                });
    }

    @Test
    void aHandlerOutlastingTheCloseTimeoutShouldBeWarnedAboutNamingTheSpringProperties(CapturedOutput output)
            throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                    .withBean(BrokerAdapter.class, InMemoryBroker::create)
                    .withBean("slow", Slow.class, () -> new Slow(started, release))
                    .withPropertyValues("keel.topics.orders.partitions=1", "keel.idempotency.store=in-memory",
                            "keel.listeners.slow.close-timeout=200ms")
                    .run(context -> {
                        context.getBean(Publisher.class).publish("orders", Message.ofText("o-1"));
                        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
                        context.close();
                        assertThat(output).contains("expired with 1 of 1 handler(s) still running")
                                .contains("keel.listeners.<id>.close-timeout")
                                .contains("keel.listener.defaults.close-timeout");
                    });
        } finally {
            release.countDown();
        }
    }

    /** A handler that runs until the test releases it. */
    public static class Slow {
        private final CountDownLatch started;
        private final CountDownLatch release;

        Slow(CountDownLatch started, CountDownLatch release) {
            this.started = started;
            this.release = release;
        }

        @KeelListener(topic = "orders", group = "billing", id = "slow")
        public void handle(String payload) throws InterruptedException {
            started.countDown();
            release.await(60, TimeUnit.SECONDS);
        }
    }
}
