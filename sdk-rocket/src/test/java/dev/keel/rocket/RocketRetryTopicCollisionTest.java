package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two NON_BLOCKING subscriptions whose retry topics have one name on RocketMQ: topic {@code T} with group
 * {@code b_g} and topic {@code T_b} with group {@code g} both retry through {@code T_b_g_RETRY}. Each consumes it in
 * a RocketMQ group of its own and must run only the retries of its own messages, losing none.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketRetryTopicCollisionTest {

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final int MESSAGES = 3;

    private final RocketAdapter adapter = RocketTestSupport.adapter();
    private final FilteredCounts filtered = new FilteredCounts();
    private final Keel keel = Keel.builder(adapter).withoutIdempotencyStore().metrics(filtered).build();
    private final Map<String, Set<String>> handledBy = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> strangers = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        keel.close();
        adapter.close();
    }

    @Test
    void subscriptionsWhoseRetryTopicsCollideShouldEachRunOnlyTheirOwnRetriesInGroupsOfTheirOwn() {
        String topic = RocketTestSupport.unique("collide");
        String otherTopic = topic + "_b";
        String retryTopic = adapter.retryTopic(topic, "b_g");
        assertThat(adapter.retryTopic(otherTopic, "g")).as("the two retry topics collide").isEqualTo(retryTopic);
        assertThat(RocketAdapter.rocketGroupOf("b_g", retryTopic))
                .as("each subscription consumes the shared retry topic in a RocketMQ group of its own")
                .isNotEqualTo(RocketAdapter.rocketGroupOf("g", retryTopic));
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("b_g").build(),
                TopicSpec.builder(otherTopic).partitions(2).group("g").build());
        subscribeFailingOncePerMessage(topic, "b_g");
        subscribeFailingOncePerMessage(otherTopic, "g");

        for (int i = 0; i < MESSAGES; i++) {
            keel.publisher(topic, Codec.utf8()).message(topic + "/" + i).id(topic + "/" + i).publish();
            keel.publisher(otherTopic, Codec.utf8()).message(otherTopic + "/" + i).id(otherTopic + "/" + i).publish();
        }

        // done when every message ran in its own subscription and each subscription met the other's retry copies,
        // run (wrongly) or acknowledged unrun
        await().atMost(PATIENCE).until(() -> handledBy.size() == 2 * MESSAGES
                && met(topic, "b_g", retryTopic) >= MESSAGES && met(otherTopic, "g", retryTopic) >= MESSAGES);
        assertThat(strangers).as("messages run by the other subscription's handler").isEmpty();
        assertThat(handledBy).allSatisfy((id, by) -> assertThat(by)
                .containsExactly(id.startsWith(otherTopic + "/") ? otherTopic + "/g" : topic + "/b_g"));
    }

    /** How many of the other subscription's messages the subscription met on the retry topic. */
    private int met(String topic, String group, String retryTopic) {
        return strangers.getOrDefault(topic + "/" + group, Set.of()).size() + filtered.of(retryTopic, group);
    }

    private void subscribeFailingOncePerMessage(String topic, String group) {
        String self = topic + "/" + group;
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).ordering(Ordering.UNORDERED)
                .retryMode(RetryMode.NON_BLOCKING)
                .retryPolicy(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofSeconds(1)).build())
                .build(), d -> {
                    String origin = d.id().substring(0, d.id().lastIndexOf('/'));
                    if (!origin.equals(topic)) {
                        strangers.computeIfAbsent(self, s -> ConcurrentHashMap.newKeySet()).add(d.id());
                    }
                    if (attempts.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet() == 1) {
                        throw new IllegalStateException(self + " fails the first attempt of " + d.id());
                    }
                    handledBy.computeIfAbsent(d.id(), id -> ConcurrentHashMap.newKeySet()).add(self);
                });
    }

    /** Counts {@link MetricEvent#FILTERED} per topic and group. */
    private static final class FilteredCounts implements MetricsRecorder {

        private final Map<List<String>, AtomicInteger> counts = new ConcurrentHashMap<>();

        int of(String topic, String group) {
            AtomicInteger count = counts.get(List.of(topic, group));
            return count == null ? 0 : count.get();
        }

        @Override
        public void count(MetricEvent event, String topic, String group) {
            if (event == MetricEvent.FILTERED) {
                counts.computeIfAbsent(List.of(topic, group), k -> new AtomicInteger()).incrementAndGet();
            }
        }

        @Override
        public void handlerLatency(String topic, String group, Duration latency, boolean success) {
        }

        @Override
        public void inFlight(String topic, String group, IntSupplier inFlight) {
        }
    }
}
