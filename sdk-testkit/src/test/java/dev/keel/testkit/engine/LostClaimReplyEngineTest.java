package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.keel.Codec;
import dev.keel.core.Keel;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.core.InMemoryIdempotencyStore;
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
 * The reply of a batch claim is lost after the store ran it: every message of that batch is claimed
 * again with its own token, finds its own lease, and runs once; the batch drains at once instead of
 * waiting a lease, or a retry interval per message of each lane. (The same on Redis: LostClaimReplyTest
 * in sdk-dedup-redis.)
 */
class LostClaimReplyEngineTest {

    private static final int MESSAGES = 500;

    @Test
    void aBatchWhoseClaimReplyWasLostShouldBeHandledOnceEachWellWithinTheLease() {
        LostReplyIdempotencyStore store = new LostReplyIdempotencyStore(new InMemoryIdempotencyStore())
                .loseNextClaimReplies(1);
        InMemoryBroker broker = InMemoryBroker.builder().maxBatchSize(MESSAGES).build();
        Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder("lost").partitions(4).group("g").build());
            List<Message> messages = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                messages.add(Message.builder(("m" + i).getBytes()).id("id-" + i).key("k" + i % 16).build());
            }
            keel.publisher().publishAll("lost", messages);

            keel.subscribe(SubscriptionConfig.builder("lost", "g", Codec.bytes())
                    .idempotencyPolicy(IdempotencyPolicy.custom().lease(Duration.ofSeconds(60))
                            .storeRetryInterval(Duration.ofMillis(500)).build()).build(),
                    d -> effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());

            await("every message handled").atMost(Duration.ofSeconds(5)).until(effects::size, equalTo(MESSAGES));
        } finally {
            broker.close();
        }
        assertThat(store.lostReplies()).isEqualTo(1);
        assertThat(effects.values()).allSatisfy(n -> assertThat(n.get()).as("effects of one message").isEqualTo(1));
    }
}
