package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.BrokerUnavailableException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelTimeoutException;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * RabbitMQ blocks publishing connections during a memory or disk alarm (it stops reading from
 * them). Publishing callers must get a typed error within their timeout, not hang.
 */
@UsesBrokers(BrokerKind.RABBIT)
class BlockedPublishingTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** Larger than what the sockets between client and broker buffer: writing it waits for the broker to read. */
    private static final int LARGE = 16 * 1024 * 1024;

    @Test
    void publishDuringAMemoryAlarmShouldFailWithinItsTimeoutAndSucceedOnceTheAlarmClears() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "the memory alarm is raised on the harness's private node only");
        String topic = RabbitTestSupport.unique("blocked");
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().maxBlock(TIMEOUT).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().timeout(TIMEOUT).build()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
            publish(keel, topic, "before".getBytes()).get(30, TimeUnit.SECONDS);

            publishesFailDuringAnAlarm(rabbit, keel, topic, caller);
            assertThat(publish(keel, topic, "after".getBytes()).get(30, TimeUnit.SECONDS).topic()).isEqualTo(topic);
        } finally {
            caller.shutdownNow();
        }
    }

    /**
     * Two subscriptions balance their partitions every half second, and each round counts its group's members with a
     * call on the publishing connection, which the broker no longer reads once it is blocked. Those rounds ran on the
     * adapter's two timer threads, which also fail a publish stuck in its write after {@code maxBlock}: both threads
     * waited in the count, and the publish held its caller until the alarm cleared (found by a read-only review).
     * The rounds run on the adapter's executor now.
     */
    @Test
    void publishDuringAMemoryAlarmShouldFailWithinItsTimeoutWhileSubscriptionsBalance() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "the memory alarm is raised on the harness's private node only");
        String topic = RabbitTestSupport.unique("blocked-balancing");
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().maxBlock(TIMEOUT).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().timeout(TIMEOUT).build()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g1").group("g2").build());
            for (String group : List.of("g1", "g2")) {
                keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.bytes())
                        .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { });
            }
            publish(keel, topic, "before".getBytes()).get(30, TimeUnit.SECONDS);

            publishesFailDuringAnAlarm(rabbit, keel, topic, caller);
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void closingDuringAMemoryAlarmShouldNotWaitForTheAlarmToClear() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "the memory alarm is raised on the harness's private node only");
        String topic = RabbitTestSupport.unique("blocked-close");
        RabbitAdapter adapter = new RabbitAdapter(RabbitTestSupport.config().maxBlock(TIMEOUT).closeTimeout(TIMEOUT)
                .build());
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).group("g").build());
        adapter.producer().send(Records.keyed(topic, "k", "before")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        rabbit.rabbitmqctl("set_vm_memory_high_watermark", "0.0000001");
        try {
            CompletableFuture<PublishReceipt> waiting = adapter.producer().send(Records.keyed(topic, "k", "during"))
                    .toCompletableFuture(); // written; the broker stops reading and blocks the connection
            CompletableFuture<Void> closed = CompletableFuture.runAsync(adapter::close);
            assertThat(closed).as("close returns within its closeTimeout and a margin")
                    .succeedsWithin(TIMEOUT.plusSeconds(4));
            assertThat(waiting).isCompletedExceptionally();
        } finally {
            rabbit.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
        }
    }

    /**
     * Raises a memory alarm, publishes three large messages from {@code caller} and checks that neither the caller
     * nor the publishes wait for the alarm to clear (it stays raised until the end): a generous bound, as three
     * 16 MB payloads take seconds to build on a loaded machine. Clears the alarm.
     */
    private static void publishesFailDuringAnAlarm(RabbitEndpoint rabbit, Keel keel, String topic,
                                                   ExecutorService caller) throws Exception {
        rabbit.rabbitmqctl("set_vm_memory_high_watermark", "0.0000001");
        try {
            CompletableFuture<List<CompletableFuture<PublishReceipt>>> calls = CompletableFuture.supplyAsync(() -> {
                List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    sent.add(publish(keel, topic, new byte[LARGE]));
                }
                return sent;
            }, caller);
            List<CompletableFuture<PublishReceipt>> sent = calls.get(20, TimeUnit.SECONDS);
            for (CompletableFuture<PublishReceipt> f : sent) {
                assertThat(f).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                        .havingCause().isInstanceOfAny(BrokerUnavailableException.class, KeelTimeoutException.class);
            }
        } finally {
            rabbit.rabbitmqctl("set_vm_memory_high_watermark", "0.4");
        }
    }

    private static CompletableFuture<PublishReceipt> publish(Keel keel, String topic, byte[] payload) {
        return keel.publisher().publishAsync(topic, Message.builder(payload, Codec.bytes()).key("k").build())
                .toCompletableFuture();
    }
}
