package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.UnroutableException;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A publish that RabbitMQ cannot route says what to set in a Spring application too: the topic's
 * {@code keel.topics.<name>.partitions} when it does not exist, its {@code .groups} (the consumers' groups, which a
 * producer-only service declares) when no group is bound.
 */
@UsesBrokers(BrokerKind.RABBIT)
class UnroutablePublishMessageTest {

    private final String undeclared = UniqueNames.of("nowhere");
    private final String withoutGroups = UniqueNames.of("nogroups");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=" + Brokers.rabbit().uri(),
                    "keel.idempotency.store=none", "keel.topics." + withoutGroups + ".partitions=1");

    @Test
    void aPublishToAnUndeclaredTopicShouldNameItsSpringProperty() {
        runner.run(context -> assertThatThrownBy(() -> context.getBean(Publisher.class)
                .publish(undeclared, Message.ofText("o-1")))
                .isInstanceOf(UnroutableException.class).hasMessageContaining("ensureTopology")
                .hasMessageContaining("keel.topics." + undeclared + ".partitions")
                .hasMessageContaining("keel.topics." + undeclared + ".groups"));
    }

    @Test
    void aPublishToATopicWithoutGroupsShouldNameTheGroupsPropertyAndThePartition() {
        runner.run(context -> assertThatThrownBy(() -> context.getBean(Publisher.class)
                .publish(withoutGroups, Message.ofText("o-1")))
                .isInstanceOf(UnroutableException.class).hasMessageContaining("(partition 0)")
                .hasMessageContaining("keel.topics." + withoutGroups + ".groups"));
    }
}
