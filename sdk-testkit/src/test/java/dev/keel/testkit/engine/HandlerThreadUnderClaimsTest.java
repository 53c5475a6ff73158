package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Under EFFECTIVELY_ONCE a message's handler runs on its subscription's handler threads, never on the store thread
 * that answered its claim (a store thread running handlers would hold up every claim and done mark behind them),
 * whether the claim was answered before the message reached its lane (it then goes on on the lane's own thread)
 * or only after (it then goes on through the handler pool).
 */
class HandlerThreadUnderClaimsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void aClaimAnsweredAfterItsMessageReachedItsLaneShouldRunTheHandlerOnAHandlerThread() {
        FaultyIdempotencyStore store = new FaultyIdempotencyStore(new InMemoryIdempotencyStore());
        // the claim is answered only once the message's lane thread is back in its pool, waiting for work: the
        // message reached its lane, found its claim unanswered and left its continuation to the claim's answer
        store.beforeNext(FaultyIdempotencyStore.Call.CLAIM_ALL, () -> await("the lane waits for the claim")
                .atMost(PATIENCE).until(() -> aHandlerThreadWaitsForWork("late")));
        Set<String> threads = handle(store, "late", 1);
        assertThat(threads).as("threads the handler ran on").hasSize(1).allMatch(name -> name.contains("-handler-"));
    }

    @Test
    void claimsAnsweredBeforeTheirMessagesReachedTheirLanesShouldRunTheHandlersOnHandlerThreads() {
        Set<String> threads = handle(new FaultyIdempotencyStore(new InMemoryIdempotencyStore()), "early", 200);
        assertThat(threads).as("threads the handlers ran on").isNotEmpty()
                .allMatch(name -> name.contains("-handler-"));
    }

    /**
     * Publishes {@code count} messages of 10 keys, handles them on 2 lanes as {@code group}; the names of the handlers'
     * threads.
     */
    private static Set<String> handle(FaultyIdempotencyStore store, String group, int count) {
        InMemoryBroker broker = InMemoryBroker.create();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder("claims").partitions(1).group(group).build(),
                    TopicSpec.builder("claims.DLT").partitions(1).group("ops").build());
            List<Message> messages = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                messages.add(Message.builder(("m" + i).getBytes()).id("m" + i).key("k" + i % 10).build());
            }
            keel.publisher().publishAll("claims", messages);
            keel.subscribe(SubscriptionConfig.builder("claims", group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(2).build(), d -> {
                        threads.add(Thread.currentThread().getName());
                        handled.add(d.id());
                    });
            await("every message handled").atMost(PATIENCE).until(() -> handled.size() == count);
        } finally {
            broker.close();
        }
        return threads;
    }

    /** Whether a handler thread of {@code group}'s subscription (no other's: they may idle too) waits for work. */
    private static boolean aHandlerThreadWaitsForWork(String group) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(thread -> thread.getName()
                .startsWith("keel-" + group + "-claims-handler-") && thread.getState() == Thread.State.WAITING);
    }
}
