package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.InMemoryBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A listener close timeout that Spring's shutdown phase would cut short is warned about at startup. */
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
}
