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
    void anotherTopicsMarkerThatEndsWithThisTopicsWholeNameShouldNotBeThisTopics() {
        // topic T with 8 partitions is marked keel-topic.8.T, which ends with ".8.T": it says nothing of topic 8.T
        // (before, reading it for 8.T threw StringIndexOutOfBoundsException, and 8.T's declare, describe, subscribe
        // and publish failed with it once a topic T of 8 partitions existed)
        String marker = ClassicNames.marker("T", 8);

        assertThat(ClassicNames.partitionsOf("8.T", marker)).isEmpty();
        assertThat(ClassicNames.partitionsOf("T", marker)).hasValue(8);
        assertThat(ClassicNames.partitionsOf("4.8.T", ClassicNames.marker("8.T", 4))).isEmpty();
    }

    @Test
    void aGroupWithADotShouldNotBeUsable() {
        assertThat(ClassicNames.isUsableGroup("billing-eu")).isTrue();
        assertThat(ClassicNames.isUsableGroup("billing.eu")).isFalse();
    }
}
