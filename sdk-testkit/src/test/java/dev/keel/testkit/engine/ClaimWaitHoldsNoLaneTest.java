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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Under EFFECTIVELY_ONCE a message whose claim the store has not answered yet holds no lane: it takes one once the
 * answer is in, its key held meanwhile, so a slow store round trip leaves the lanes to the messages that can run.
 * Before, a message took its lane on arrival and held it while its claim was under way; with every lane so held, the
 * messages whose claims were answered waited behind them (a burst of arrivals larger than the lanes waited a whole
 * round trip more).
 */
class ClaimWaitHoldsNoLaneTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** How long the first message's claim waits for the other message to be handled before it is answered anyway. */
    private static final Duration CLAIM_HELD = Duration.ofSeconds(10);

    @Test
    void aMessageWhoseClaimIsUnansweredShouldLeaveTheOnlyLaneToAnotherKeysMessage() throws InterruptedException {
        InMemoryBroker broker = InMemoryBroker.create();
        FaultyIdempotencyStore store = new FaultyIdempotencyStore(new InMemoryIdempotencyStore());
        List<String> handled = new CopyOnWriteArrayList<>();
        CountDownLatch firstClaimAsked = new CountDownLatch(1);
        // the first message's claim is answered once the second one was handled (or, before this change, after
        // CLAIM_HELD: the second one then waited for the only lane, which the first held)
        store.beforeNext(FaultyIdempotencyStore.Call.CLAIM_ALL, () -> {
            firstClaimAsked.countDown();
            try {
                await().atMost(CLAIM_HELD).until(() -> handled.contains("second"));
            } catch (org.awaitility.core.ConditionTimeoutException notHandledMeanwhile) {
                // answered now: the test's assertion tells
            }
        });
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder("lane-wait").partitions(1).group("g").build(),
                    TopicSpec.builder("lane-wait.DLT").partitions(1).group("ops").build());
            keel.subscribe(SubscriptionConfig.builder("lane-wait", "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(1).build(), d -> handled.add(d.id()));
            keel.publisher().publish("lane-wait", message("first", "a"));
            assertThat(firstClaimAsked.await(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .as("the first message's claim was asked for").isTrue();
            // its claim goes out in a call of its own while the first one's is held (two claim calls may be under way
            // at once: StoreAccess.CALLS_IN_FLIGHT)
            keel.publisher().publish("lane-wait", message("second", "b"));
            await("both handled").atMost(PATIENCE).until(() -> handled.size() == 2);
        } finally {
            broker.close();
        }
        assertThat(handled).as("the order the messages were handled in: the second's claim was answered first")
                .containsExactly("second", "first");
    }

    private static Message message(String id, String key) {
        return Message.builder(id.getBytes(StandardCharsets.UTF_8)).id(id).key(key).build();
    }
}
