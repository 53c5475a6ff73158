package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.core.Keel;
import dev.keel.jms.internal.ClassicNames;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import jakarta.jms.Connection;
import jakarta.jms.Session;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** What the adversarial review of the ActiveMQ Classic adapter found (review findings 3, 4, 6 and 7), each fixed. */
@UsesBrokers(BrokerKind.ACTIVEMQ)
class ClassicReviewFindingsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** Finding 3: the queue of group a, first in name order, was deleted with its messages before b's refusal. */
    @Test
    void aDeleteRefusedForOneGroupsConsumersShouldDeleteNothing() {
        ActiveMQClassicAdapter adapter = adapter(false);
        Keel keel = keel(adapter);
        String topic = UniqueNames.of("jms-delete");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("a").group("b").build());
        for (int i = 0; i < 10; i++) {
            keel.publisher(topic, Codec.utf8()).message("m" + i).id("m-" + i).key("k").publish();
        }
        closeables.add(keel.subscribe(config(topic, "b"), d -> { }));

        Throwable refused = catchThrowable(() -> adapter.deleteTopology(topic));

        assertThat(refused).isInstanceOf(TopologyException.class).hasMessageContaining("nothing was deleted");
        assertThat(adapter.describeTopology(topic)).hasValueSatisfying(spec ->
                assertThat(spec.groups()).containsExactlyInAnyOrder("a", "b"));
        List<String> ofA = new CopyOnWriteArrayList<>();
        closeables.add(keel.subscribe(config(topic, "a"), d -> ofA.add(d.id())));
        await().atMost(WAIT).until(() -> ofA.size() == 10);
    }

    /** Finding 4: a header name with an emoji or a NUL came back with U+FFFD in its place, the publish confirmed. */
    @Test
    void aHeaderNameTheClientCannotCarryShouldBeRefusedAtOnce() {
        Keel keel = keel(adapter(false));
        String topic = UniqueNames.of("jms-names");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        for (String name : List.of("emoji-name-\uD83D\uDE00", "nul\u0000name")) {
            Throwable refused = catchThrowable(() -> keel.publisher().publish(topic, Message.builder(
                    "x".getBytes(StandardCharsets.UTF_8)).id("named").key("k").header(name, "v").build()));

            assertThat(refused).as(name).isInstanceOf(PublishException.class)
                    .hasMessageContaining("Basic Multilingual Plane");
            assertThat(((PublishException) refused).isRetriable()).isFalse();
        }
    }

    /**
     * Finding 6: two declarations at once with 4 and 8 partitions both returned; the topic had 4. Seen again in CI: the
     * one with 8 saw only its own marker and returned, the one with 4 then saw both and kept the smaller count.
     */
    @Test
    void declarationsAtOnceWithOtherPartitionCountsShouldNotBothSucceed() throws Exception {
        for (int round = 0; round < 5; round++) {
            String topic = UniqueNames.of("jms-race");
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Integer>> declared = new ArrayList<>();
            for (int partitions : List.of(4, 8)) {
                ActiveMQClassicAdapter adapter = adapter(false);
                declared.add(CompletableFuture.supplyAsync(() -> {
                    await().until(() -> go.getCount() == 0);
                    try {
                        adapter.ensureTopology(TopicSpec.builder(topic).partitions(partitions).group("g").build());
                        return partitions;
                    } catch (TopologyException e) {
                        return 0;
                    }
                }));
            }
            go.countDown();
            List<Integer> succeeded = new ArrayList<>();
            for (CompletableFuture<Integer> d : declared) {
                int partitions = d.get();
                if (partitions > 0) {
                    succeeded.add(partitions);
                }
            }
            // at most one returns (two that see each other both give way); the topic has the partitions of the one
            assertThat(succeeded).as("round %d: the declarations that returned", round).hasSizeLessThanOrEqualTo(1);
            Optional<TopicSpec> kept = adapter(false).describeTopology(topic);
            if (succeeded.isEmpty()) {
                assertThat(kept).as("round %d: neither returned", round).isEmpty();
            } else {
                assertThat(kept.orElseThrow().partitions()).isEqualTo(succeeded.get(0));
            }
        }
    }

    /**
     * The same race's review: a declaration that found markers of two counts took the smaller and returned when it was
     * its own count, so with three declarations at once two counts could both return; a marker a failed declaration
     * left behind decided the count silently. Now a declaration that finds two counts fails, naming them, and
     * deleting the topic clears them.
     */
    @Test
    void aTopicWithMarkersOfTwoCountsShouldRefuseADeclarationUntilItIsDeleted() throws Exception {
        ActiveMQClassicAdapter adapter = adapter(false);
        String topic = UniqueNames.of("jms-markers");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
        // the marker of a declaration with 8 partitions that failed before it could back out
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(Brokers.activemq().url());
        try (Connection connection = factory.createConnection();
             Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            connection.start();
            session.createConsumer(session.createQueue(ClassicNames.marker(topic, 8))).close();
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(catchThrowable(() -> adapter.ensureTopology(
                TopicSpec.builder(topic).partitions(4).group("g").build())))
                .isInstanceOf(TopologyException.class).hasMessageContaining("[4, 8] partitions"));

        adapter.deleteTopology(topic);
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(8).group("g").build());
        assertThat(adapter.describeTopology(topic).orElseThrow().partitions()).isEqualTo(8);
    }

    /** Finding 7: without PRIORITY declared, a key's messages of priority 8 overtook its others on a prioritizing broker. */
    @Test
    void aPriorityShouldNotReorderAKeyWhenTheAdapterDoesNotDeclarePriority() {
        ActiveMQClassicAdapter adapter = adapter(false);
        Keel keel = keel(adapter);
        String topic = UniqueNames.of("jms-priority");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Message.Builder message = Message.builder(("m" + i).getBytes(StandardCharsets.UTF_8)).id("m" + i)
                    .key("k");
            keel.publisher().publish(topic, (i % 2 == 1 ? message.priority(8) : message).build());
            expected.add("m" + i);
        }
        List<String> handled = new CopyOnWriteArrayList<>();
        closeables.add(keel.subscribe(config(topic, "g"), d -> handled.add(d.id())));

        await().atMost(WAIT).until(() -> handled.size() == 10);
        assertThat(handled).isEqualTo(expected);
    }

    private ActiveMQClassicAdapter adapter(boolean prioritizedQueues) {
        ActiveMQClassicAdapter adapter = new ActiveMQClassicAdapter(ClassicTestSupport.config()
                .prioritizedQueues(prioritizedQueues).build());
        closeables.add(adapter);
        return adapter;
    }

    private Keel keel(ActiveMQClassicAdapter adapter) {
        Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        closeables.add(keel);
        return keel;
    }

    private static SubscriptionConfig<String> config(String topic, String group) {
        return SubscriptionConfig.builder(topic, group, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .ordering(Ordering.PER_KEY).build();
    }
}
