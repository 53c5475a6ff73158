package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.InMemoryBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A listener kept from subscribing at startup on a topic that {@code keel.topics} does not declare has no group until
 * its first start: on RabbitMQ and ActiveMQ what is published before then does not reach it, so the startup says so
 * and names the declaration that keeps it.
 */
@ExtendWith(OutputCaptureExtension.class)
class StoppedListenerGroupWarningTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withBean(BrokerAdapter.class, InMemoryBroker::create)
            .withBean("listener", ListenerControlTest.Listener.class)
            .withPropertyValues("keel.listeners.billing-orders.auto-startup=false");

    @Test
    void aStoppedListenerOnATopicOutsideKeelTopicsShouldBeWarnedAbout(CapturedOutput output) {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(output).contains("Keel listener billing-orders is not started and its topic 'orders' is not "
                    + "under keel.topics, so its group 'billing' is not declared").contains("keel.topics.orders");
        });
    }

    @Test
    void aStoppedListenerOnADeclaredTopicShouldNotBeWarnedAbout(CapturedOutput output) {
        runner.withPropertyValues("keel.topics.orders.partitions=1").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(KeelListenerRegistry.class).isRunning("billing-orders")).isFalse();
            assertThat(output).doesNotContain("is not under keel.topics");
        });
    }
}
