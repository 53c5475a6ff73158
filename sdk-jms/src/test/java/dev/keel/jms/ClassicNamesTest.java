package dev.keel.jms;

import dev.keel.jms.internal.ClassicNames;
import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class ClassicNamesTest {

    @Test
    void aGroupQueueShouldBeTheVirtualTopicsConsumerQueueAndReadBackAsItsGroup() {
        String queue = ClassicNames.groupQueue("orders.eu", "billing");

        assertThat(queue).isEqualTo("Consumer.billing.VirtualTopic.orders.eu");
        assertThat(ClassicNames.groupOf("orders.eu", queue)).isEqualTo("billing");
        assertThat(ClassicNames.groupOf("eu", queue)).isNull();
        assertThat(ClassicNames.groupOf("orders", "Consumer.billing.VirtualTopic.orders.DLT")).isNull();
    }

    @Test
    void aMarkerShouldCarryItsTopicsPartitionsAndNoOtherTopics() {
        String marker = ClassicNames.marker("my.orders", 12);

        assertThat(ClassicNames.partitionsOf("my.orders", marker)).hasValue(12);
        assertThat(ClassicNames.partitionsOf("orders", marker)).isEqualTo(OptionalInt.empty());
        assertThat(ClassicNames.partitionsOf("orders", "Consumer.g.VirtualTopic.orders")).isEmpty();
    }

    @Test
    void aGroupWithADotShouldNotBeUsable() {
        assertThat(ClassicNames.isUsableGroup("billing-eu")).isTrue();
        assertThat(ClassicNames.isUsableGroup("billing.eu")).isFalse();
    }
}
