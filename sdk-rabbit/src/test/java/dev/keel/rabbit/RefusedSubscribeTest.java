package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.core.Keel;
import dev.keel.rabbit.internal.Names;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A subscribe RabbitMQ refuses part way through declaring its group (a partition queue that exists with other
 * arguments: PRECONDITION_FAILED; a name the user may not configure: ACCESS_REFUSED) leaves nothing of its own behind
 * (no queue, exchange or member queue it created, no group in the topic's record, no subscription listed), fails
 * with a non-retriable typed error saying what to do, and the adapter stays healthy: publishing and subscribing
 * another group work at once, and the same group subscribes once the cause is gone.
 */
@UsesBrokers(BrokerKind.RABBIT)
class RefusedSubscribeTest {

    private static final int PARTITIONS = 3;
    private static final String REFUSED = "b";

    private final String topic = RabbitTestSupport.unique("refused");
    private RabbitAdapter adapter;
    private Keel keel;

    @BeforeEach
    void open() {
        adapter = new RabbitAdapter(RabbitTestSupport.config().build());
        keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(PARTITIONS).group("a").build());
    }

    @AfterEach
    void close() {
        keel.close();
        adapter.close();
    }

    @Test
    void aGroupQueueWithOtherArgumentsShouldRefuseTheSubscribeAndLeaveNothingBehind() throws Exception {
        String conflicting = Names.laneQueue(topic, REFUSED, 1);
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            raw.channel().queueDeclare(conflicting, true, false, false, Map.of()); // classic, no arguments
        }

        Throwable refused = catchThrowable(() -> keel.subscribe(subscription(REFUSED), d -> { }));

        assertThat(refused).isInstanceOf(TopologyException.class).hasMessageContaining(conflicting)
                .hasMessageContaining("delete");
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
        assertNothingLeftBehind(List.of(conflicting));
        assertHealthy();

        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            raw.channel().queueDelete(conflicting);
        }
        assertSubscribes(REFUSED);
    }

    @Test
    void anAccessRefusedShouldRefuseTheSubscribeAndLeaveNothingBehind() throws Exception {
        RabbitConfig config = adapter.config();
        Assumptions.assumeTrue(RabbitTestSupport.rabbit().supportsNodeCommands(), "needs the harness's private node");
        String user = "keel-limited-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        RabbitTestSupport.rabbit().rabbitmqctl("add_user", user, password);
        try {
            // everything but the refused group's second partition queue
            String denied = Names.laneQueue(topic, REFUSED, 1).replace(".", "\\.");
            RabbitTestSupport.rabbit().rabbitmqctl("set_permissions", "-p", config.virtualHost(), user,
                    "^(?!" + denied + "$).*", ".*", ".*");
            try (RabbitAdapter limited = new RabbitAdapter(RabbitConfig.from(config).username(user).password(password)
                    .build()); Keel limitedKeel = Keel.builder(limited).withoutIdempotencyStore().build()) {

                Throwable refused = catchThrowable(() -> limitedKeel.subscribe(subscription(REFUSED), d -> { }));

                assertThat(refused).isInstanceOf(KeelException.class).hasMessageContaining("ACCESS_REFUSED")
                        .hasMessageContaining("permission");
                assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
                assertThat(suppressedAlongTheChain(refused)).as("failed removals reported (the denied queue was "
                        + "never created: a failure to remove it would report a leftover that does not exist)")
                        .isEmpty();
                assertThat(limitedKeel.subscriptions()).as("subscriptions listed").isEmpty();
                assertNothingLeftBehind(List.of());
                Queue<String> got = new ConcurrentLinkedQueue<>();
                limitedKeel.subscribe(subscription("a"), d -> got.add(d.payload()));
                limitedKeel.publisher(topic, Codec.utf8()).message("after").key("k").publish();
                await().atMost(60, TimeUnit.SECONDS).until(() -> got.contains("after"));
            }
        } finally {
            RabbitTestSupport.rabbit().rabbitmqctl("delete_user", user);
        }
    }

    private static List<Throwable> suppressedAlongTheChain(Throwable refused) {
        List<Throwable> suppressed = new ArrayList<>();
        for (Throwable t = refused; t != null; t = t.getCause()) {
            suppressed.addAll(List.of(t.getSuppressed()));
        }
        return suppressed;
    }

    private void assertNothingLeftBehind(List<String> existedBefore) throws Exception {
        assertThat(keel.subscriptions()).as("subscriptions listed").isEmpty();
        List<String> queues = new ArrayList<>();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            queues.add(Names.laneQueue(topic, REFUSED, partition));
        }
        queues.add(Names.deadLetterQueue(topic, REFUSED));
        queues.add(topic + "." + REFUSED + ".keel-members");
        queues.add(topic + "." + REFUSED + ".members");
        queues.removeAll(existedBefore);
        List<String> left = new ArrayList<>();
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            for (String queue : queues) {
                if (exists(raw, channel -> channel.queueDeclarePassive(queue))) {
                    left.add("queue " + queue);
                }
            }
            String dlx = Names.deadLetterExchange(topic, REFUSED);
            if (exists(raw, channel -> channel.exchangeDeclarePassive(dlx))) {
                left.add("exchange " + dlx);
            }
        }
        assertThat(left).as("left behind by the refused subscribe").isEmpty();
        assertThat(adapter.describeTopology(topic).orElseThrow().groups()).as("groups recorded").containsExactly("a");
    }

    /** Publishing and another group's subscription work at once on the same adapter. */
    private void assertHealthy() {
        Queue<String> got = new ConcurrentLinkedQueue<>();
        keel.subscribe(subscription("a"), d -> got.add(d.payload()));
        keel.publisher(topic, Codec.utf8()).message("after the refusal").key("k").publish();
        await().atMost(60, TimeUnit.SECONDS).until(() -> got.contains("after the refusal"));
    }

    private void assertSubscribes(String group) {
        Queue<String> got = new ConcurrentLinkedQueue<>();
        keel.subscribe(subscription(group), d -> got.add(d.payload()));
        keel.publisher(topic, Codec.utf8()).message("for " + group).key("k2").publish();
        await().atMost(60, TimeUnit.SECONDS).until(() -> got.contains("for " + group));
    }

    private SubscriptionConfig<String> subscription(String group) {
        return SubscriptionConfig.builder(topic, group, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }

    @FunctionalInterface
    private interface Passive {
        void declare(Channel channel) throws IOException;
    }

    /** Whether a passive declare finds it; each look-up on a channel of its own (NOT_FOUND closes the channel). */
    private static boolean exists(RawAmqp raw, Passive passive) throws IOException {
        Channel channel = raw.connection().createChannel();
        try {
            passive.declare(channel);
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            if (channel.isOpen()) {
                try {
                    channel.close();
                } catch (java.util.concurrent.TimeoutException ignored) {
                    // gone either way
                }
            }
        }
    }
}
