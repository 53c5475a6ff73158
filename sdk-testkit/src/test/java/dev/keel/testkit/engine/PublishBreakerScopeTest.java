package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.PublisherState;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The publisher's circuit breaker on the in-memory broker: one topic that keeps failing retriably (a partition below
 * {@code min.insync.replicas}, an outbox row retried every poll) fails fast on its own, and does not pause the
 * publishes to the other topics; a broker that fails everything still opens it for every topic.
 */
class PublishBreakerScopeTest {

    private static final PublisherConfig BREAKER = PublisherConfig.custom().maxAttempts(1).minimumCalls(4)
            .failureRateThreshold(50).openDuration(Duration.ofMinutes(1)).build();

    private final InMemoryBroker broker = InMemoryBroker.create();

    @AfterEach
    void tearDown() {
        broker.close();
    }

    @Test
    void aTopicThatKeepsFailingRetriablyShouldNotPausePublishesToHealthyTopics() {
        try (Keel keel = Keel.builder(broker).withoutIdempotencyStore().publisherConfig(BREAKER).build()) {
            keel.ensureTopology(TopicSpec.builder("orders").partitions(1).build());
            keel.ensureTopology(TopicSpec.builder("stuck").partitions(1).build());
            broker.faults().failPublishesTo("stuck", new PublishException("NOT_ENOUGH_REPLICAS (injected)", null, true));

            for (int i = 0; i < 8; i++) {
                int n = i;
                assertThatThrownBy(() -> keel.publisher().publish("stuck", Message.ofText("s" + n)))
                        .isInstanceOf(KeelException.class);
            }
            PublishReceipt healthy = keel.publisher().publish("orders", Message.ofText("o"));

            assertThat(healthy.topic()).isEqualTo("orders");
            assertThat(broker.records("orders")).hasSize(1);
            assertThatThrownBy(() -> keel.publisher().publish("stuck", Message.ofText("fast")))
                    .as("the failing topic itself fails fast").isInstanceOf(BrokerUnavailableException.class)
                    .hasMessageContaining("circuit breaker is open").hasMessageContaining("stuck");
        }
    }

    @Test
    void aBrokerFailingEveryTopicShouldOpenTheBreakerOfEachTopicPublishedTo() {
        try (Keel keel = Keel.builder(broker).withoutIdempotencyStore().publisherConfig(BREAKER).build()) {
            for (String topic : new String[] {"orders", "payments"}) {
                keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
                broker.faults().failPublishesTo(topic, new BrokerUnavailableException("broker down (injected)", null));
            }

            for (String topic : new String[] {"orders", "payments"}) {
                for (int i = 0; i < 4; i++) {
                    assertThatThrownBy(() -> keel.publisher().publish(topic, Message.ofText("x")))
                            .hasMessageContaining("broker down");
                }
                assertThatThrownBy(() -> keel.publisher().publish(topic, Message.ofText("fast")))
                        .isInstanceOf(BrokerUnavailableException.class).hasMessageContaining("circuit breaker is open")
                        .hasMessageContaining(topic);
            }
            assertThat(keel.publisherState()).isEqualTo(PublisherState.CIRCUIT_OPEN);
        }
    }
}
