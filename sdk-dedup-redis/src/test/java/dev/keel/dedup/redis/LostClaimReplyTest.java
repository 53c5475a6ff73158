package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.LostReplyIdempotencyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A batch claim that ran on Redis but whose reply was lost (a reply timeout, a failover, a connection
 * reset): the engine retries the claim, and the retry must find the leases it took itself instead of
 * waiting them out as BUSY for a whole lease.
 */
class LostClaimReplyTest {

    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final int MESSAGES = 500;
    private static final Duration LEASE = Duration.ofSeconds(60); // long, so waiting a lease out would show
    private static final Duration WELL_WITHIN_THE_LEASE = Duration.ofSeconds(5);

    @Test
    void messagesWhoseClaimReplyWasLostShouldAllBeHandledLongBeforeTheirLeaseExpires() {
        RedisStoreConfig config = RedisStoreConfig.custom().uri(Brokers.redis().uri())
                .keyPrefix(UniqueNames.of("lost-reply")).build();
        LostReplyIdempotencyStore store = new LostReplyIdempotencyStore(RedisIdempotencyStore.create(config))
                .loseNextClaimReplies(1);
        InMemoryBroker broker = InMemoryBroker.builder().maxBatchSize(MESSAGES).build();
        Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();

        try (Keel keel = Keel.builder(broker).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(4).group(GROUP).build());
            keel.publisher().publishAll(TOPIC, messages());

            keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).idempotencyPolicy(IdempotencyPolicy.custom().lease(LEASE).build()).build(),
                    delivery -> effects.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet());

            await("every message handled although the reply of a claim was lost").atMost(WELL_WITHIN_THE_LEASE)
                    .until(effects::size, equalTo(MESSAGES));
            await("every message acknowledged").atMost(WELL_WITHIN_THE_LEASE)
                    .until(() -> committed(broker), equalTo((long) MESSAGES));
        }

        assertThat(store.lostReplies()).as("claim replies lost").isEqualTo(1);
        assertThat(effects.values()).allSatisfy(n -> assertThat(n.get()).as("effects of one message").isEqualTo(1));
    }

    private static long committed(InMemoryBroker broker) {
        return broker.committedOffsets(TOPIC, GROUP).values().stream().mapToLong(Long::longValue).sum();
    }

    private static List<Message> messages() {
        List<Message> messages = new ArrayList<>(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            messages.add(Message.builder("order " + i, Codec.utf8()).id("order-" + i + ":created")
                    .key("customer-" + i % 16).build());
        }
        return messages;
    }
}
