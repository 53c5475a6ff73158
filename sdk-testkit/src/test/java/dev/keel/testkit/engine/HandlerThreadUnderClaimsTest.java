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
 * whether the claim was answered before the message reached its lane (a claim asked for on arrival: the message takes
 * its lane only then, and goes on on the lane's own thread) or only after (a claim asked for again after the message reached
 * its lane, here each tick while the id is BUSY, the message off its lane meanwhile: it then goes on through the
 * handler pool).
 */
class HandlerThreadUnderClaimsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void aClaimAnsweredAfterItsMessageReachedItsLaneShouldRunTheHandlerOnAHandlerThread() {
        InMemoryIdempotencyStore data = new InMemoryIdempotencyStore();
        FaultyIdempotencyStore store = new FaultyIdempotencyStore(data);
        // another owner holds the id: the message finds it BUSY in its lane and waits, claimed again each tick; the
        // other owner lets go once a handler thread is back in its pool, so the claim that succeeds is answered after
        // the message reached its lane, on a store thread
        String namespace = "late:claims";
        data.claim(namespace, "m0", "someone-else", Duration.ofMinutes(5));
        store.afterNext(FaultyIdempotencyStore.Call.CLAIM_ALL, () -> new Thread(() -> {
            await("the message waits for the id, its lane free").atMost(PATIENCE)
                    .until(() -> aHandlerThreadWaitsForWork("late"));
            data.release(namespace, "m0", "someone-else");
        }).start());
        Set<String> threads = handle(store, "late", 1);
        assertThat(store.batchClaims()).as("claim calls: the id BUSY on arrival, then claimed").isGreaterThanOrEqualTo(2);
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
