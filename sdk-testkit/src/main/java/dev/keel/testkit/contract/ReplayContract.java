package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.DeliveryGuarantee;
import dev.keel.GroupActiveException;
import dev.keel.ReprocessException;
import dev.keel.StoreUnavailableException;
import dev.keel.Message;
import dev.keel.ReplayResult;
import dev.keel.Subscription;
import dev.keel.core.Keel;
import dev.keel.metrics.MetricEvent;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import dev.keel.spi.ReplayAdmin;
import dev.keel.testkit.FaultyIdempotencyStore.Call;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replay ({@link Capability#REPLAY}): a group rewound to a time reads again what the broker keeps
 * from that time on; under EFFECTIVELY_ONCE what was done is skipped, unless the replay reprocesses.
 * A reprocess that fails (a member joins before the rewind, the store fails) leaves the group where
 * it was, says what it forgot and restored, and completes when run again.
 * Skipped, naming the capability, on adapters that do not declare it; there, a replay and a
 * reprocess are refused naming the capability instead. Each adapter's test module runs it through a
 * subclass that supplies the adapter.
 */
public abstract class ReplayContract extends BrokerContractSupport {

    static final int BEFORE = 8;
    static final int AFTER = 8;

    private List<Message> before;
    private List<Message> after;

    @BeforeEach
    final void messages() {
        before = new ArrayList<>();
        after = new ArrayList<>();
        for (int i = 0; i < BEFORE; i++) {
            before.add(message("before-" + i, "key-" + i));
        }
        for (int i = 0; i < AFTER; i++) {
            after.add(message("after-" + i, "key-" + i));
        }
    }

    @Test
    void aRewoundGroupShouldReadAgainFromTheTimeItWasRewoundTo() {
        assumeCapability(Capability.REPLAY);
        Keel keel = newKeel();
        Effects effects = new Effects();
        Instant middle = consumeAroundAMiddle(keel, DeliveryGuarantee.AT_LEAST_ONCE, effects);

        ReplayResult result = keel.replay(topic, group, middle);

        assertThat(result.messages()).as("messages rewound over " + result.partitions()).isEqualTo(AFTER);
        assertThat(result.forgotten()).isZero();
        keel.subscribe(subscription().guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), effects::apply);
        awaitUntil("every message after the middle read again",
                () -> idsOf(after).stream().allMatch(id -> effects.count(id) == 2));
        idsOf(before).forEach(id -> assertThat(effects.count(id)).as("before the middle: " + id).isEqualTo(1));
    }

    @Test
    void aReplayUnderEffectivelyOnceShouldSkipWhatWasDone() {
        assumeCapability(Capability.REPLAY);
        Keel keel = newKeel();
        Effects effects = new Effects();
        Instant middle = consumeAroundAMiddle(keel, DeliveryGuarantee.EFFECTIVELY_ONCE, effects);
        long skippedBefore = metrics.count(MetricEvent.DUPLICATE_SKIPPED);

        ReplayResult result = keel.replay(topic, group, middle);

        assertThat(result.messages()).isEqualTo(AFTER);
        keel.subscribe(subscription().build(), effects::apply);
        awaitUntil("every replayed message skipped as a duplicate",
                () -> metrics.count(MetricEvent.DUPLICATE_SKIPPED) - skippedBefore >= AFTER);
        assertThat(effects.repeated()).as("messages run twice").isEmpty();
    }

    @Test
    void aReprocessShouldRunTheReplayedRangeAgainOnce() {
        assumeCapability(Capability.REPLAY);
        Keel keel = newKeel();
        Effects effects = new Effects();
        Instant middle = consumeAroundAMiddle(keel, DeliveryGuarantee.EFFECTIVELY_ONCE, effects);

        ReplayResult result = keel.reprocess(topic, group, middle);

        assertThat(result.messages()).isEqualTo(AFTER);
        assertThat(result.forgotten()).as("done marks forgotten").isEqualTo(AFTER);
        keel.subscribe(subscription().build(), effects::apply);
        awaitUntil("every message after the middle run again",
                () -> idsOf(after).stream().allMatch(id -> effects.count(id) == 2));
        List<Message> later = List.of(message("later-0", "key-0"));
        publishConfirmed(keel, topic, later);
        awaitHandled(effects, idsOf(later));
        idsOf(before).forEach(id -> assertThat(effects.count(id)).as("before the middle: " + id).isEqualTo(1));
        idsOf(after).forEach(id -> assertThat(effects.count(id)).as("after the middle: " + id).isEqualTo(2));
    }

    @Test
    void aReprocessWhoseRewindIsRefusedShouldRestoreTheMarksItForgot() {
        assumeCapability(Capability.REPLAY);
        Keel keel = newKeel();
        Effects effects = new Effects();
        Instant middle = consumeAroundAMiddle(keel, DeliveryGuarantee.EFFECTIVELY_ONCE, effects);
        List<Subscription> joined = new ArrayList<>();
        // a member joins once the marks are forgotten, before the group is rewound
        store.afterNext(Call.FORGET_ALL, () -> joined.add(joinTheGroup(keel, effects, middle)));

        Throwable failure = catchThrowable(() -> keel.reprocess(topic, group, middle));

        // the marks are back: a duplicate of a replayed message is skipped by the member
        publishConfirmed(keel, topic, List.of(message("after-0", "key-0"), message("later-0", "key-0")));
        awaitHandled(effects, List.of("later-0"));
        assertThat(effects.count("after-0")).as("effects of a duplicate of a message whose mark was forgotten")
                .isEqualTo(1);
        assertThat(failure).isInstanceOf(ReprocessException.class).hasCauseInstanceOf(GroupActiveException.class)
                .hasMessageContaining("restored").hasMessageContaining("not rewound").hasMessageContaining("stop");
        assertThat(((ReprocessException) failure).rewound()).isFalse();
        assertThat(((ReprocessException) failure).forgotten()).isEqualTo(AFTER);
        assertThat(((ReprocessException) failure).restored()).isEqualTo(AFTER);
        joined.forEach(Subscription::close);
        assertRunAgainByAReprocess(keel, effects, middle);
    }

    @Test
    void aReprocessWhoseMarksCannotBeRestoredShouldSaySoAndCompleteWhenRunAgain() {
        assumeCapability(Capability.REPLAY);
        Keel keel = newKeel();
        Effects effects = new Effects();
        Instant middle = consumeAroundAMiddle(keel, DeliveryGuarantee.EFFECTIVELY_ONCE, effects);
        List<Subscription> joined = new ArrayList<>();
        // once marks are forgotten a member joins and the store fails: after the last batch of ids, the rewind is
        // refused (one batch: Kafka, the in-memory broker); after an earlier one, forgetting the next fails (RocketMQ
        // hands the ids over per queue)
        store.afterNext(Call.FORGET_ALL, () -> {
            joined.add(joinTheGroup(keel, effects, middle));
            store.down();
        });

        Throwable failure = catchThrowable(() -> keel.reprocess(topic, group, middle));

        assertThat(failure).isInstanceOf(ReprocessException.class);
        ReprocessException reprocess = (ReprocessException) failure;
        assertThat(reprocess.getCause()).isInstanceOfAny(GroupActiveException.class, StoreUnavailableException.class);
        assertThat(reprocess.forgotten()).isPositive();
        assertThat(reprocess.restored()).isZero();
        assertThat(reprocess.rewound()).isFalse();
        assertThat(reprocess.isRetriable()).isTrue();
        assertThat(failure).hasMessageContaining(reprocess.forgotten() + " done marks were forgotten")
                .hasMessageContaining("not restored").hasMessageContaining("not rewound")
                .hasMessageContaining("run it again");
        store.up();
        joined.forEach(Subscription::close);
        assertRunAgainByAReprocess(keel, effects, middle);
    }

    @Test
    void aReprocessWhoseStoreFailsWhileForgettingShouldLeaveTheGroupWhereItWas() {
        assumeCapability(Capability.REPLAY);
        Keel keel = newKeel();
        Effects effects = new Effects();
        Instant middle = consumeAroundAMiddle(keel, DeliveryGuarantee.EFFECTIVELY_ONCE, effects);
        store.beforeNext(Call.FORGET_ALL, store::down);

        Throwable failure = catchThrowable(() -> keel.reprocess(topic, group, middle));

        assertThat(failure).isInstanceOf(ReprocessException.class).hasCauseInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("not rewound").hasMessageContaining("run it again");
        assertThat(((ReprocessException) failure).rewound()).isFalse();
        assertThat(((ReprocessException) failure).forgotten()).isZero();
        store.up();
        assertRunAgainByAReprocess(keel, effects, middle);
    }

    @Test
    void replayingAGroupWithActiveMembersShouldFailSayingToStopThem() {
        assumeCapability(Capability.REPLAY);
        Keel keel = newKeel();
        declare(keel);
        Effects effects = new Effects();
        keel.subscribe(subscription().build(), effects::apply);
        publishConfirmed(keel, topic, before);
        awaitHandled(effects, idsOf(before));

        assertThatThrownBy(() -> keel.replay(topic, group, Instant.now().minusSeconds(60)))
                .isInstanceOf(GroupActiveException.class)
                .hasMessageContaining(group)
                .hasMessageContaining("stop");
    }

    @Test
    void aReplayShouldBeRefusedNamingTheCapabilityWhereItIsNotDeclared() {
        try (BrokerAdapter probe = createAdapter()) {
            Assumptions.assumeFalse(probe.capabilities().contains(Capability.REPLAY),
                    "adapter declares capability " + Capability.REPLAY);
        }
        Keel keel = newKeel();
        declare(keel);
        Instant from = Instant.now().minusSeconds(60);

        assertThatThrownBy(() -> keel.replay(topic, group, from))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("Capability.REPLAY");
        assertThatThrownBy(() -> keel.reprocess(topic, group, from))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("Capability.REPLAY");
    }

    /**
     * Subscribes a member to the group (applying {@code effects}) and waits until the broker counts
     * it as active: a rewind is refused from then on.
     */
    private Subscription joinTheGroup(Keel keel, Effects effects, Instant from) {
        Subscription member = keel.subscribe(subscription().build(), effects::apply);
        ReplayAdmin admin = (ReplayAdmin) adapterOf(keel);
        awaitUntil("the member active in the group", () -> {
            try {
                admin.planRewind(topic, group, from);
                return false;
            } catch (GroupActiveException e) {
                return true;
            }
        });
        return member;
    }

    /** Reprocesses from {@code middle} and checks that every message after it then runs once more. */
    private void assertRunAgainByAReprocess(Keel keel, Effects effects, Instant middle) {
        Map<String, Integer> before = new HashMap<>();
        idsOf(after).forEach(id -> before.put(id, effects.count(id)));
        ReplayResult result = keel.reprocess(topic, group, middle);
        assertThat(result.messages()).as("messages rewound").isGreaterThanOrEqualTo(AFTER);
        keel.subscribe(subscription().build(), effects::apply);
        awaitUntil("every message after the middle run again",
                () -> idsOf(after).stream().allMatch(id -> effects.count(id) == before.get(id) + 1));
        idsOf(this.before).forEach(id -> assertThat(effects.count(id)).as("before the middle: " + id).isEqualTo(1));
    }

    /**
     * Declares the topic, consumes {@link #before}, takes the middle time, publishes and consumes
     * {@link #after}, and closes the subscription: the group is then idle at the end of the topic.
     */
    private Instant consumeAroundAMiddle(Keel keel, DeliveryGuarantee guarantee, Effects effects) {
        declare(keel);
        Subscription subscription = keel.subscribe(subscription().guarantee(guarantee).build(), effects::apply);
        publishConfirmed(keel, topic, before);
        awaitHandled(effects, idsOf(before));
        // every message before it was stored at an earlier millisecond; every one after it, at a later one
        Instant middle = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusMillis(1);
        awaitUntil("the clock past the middle", () -> Instant.now().isAfter(middle.plusMillis(1)));
        publishConfirmed(keel, topic, after);
        awaitHandled(effects, idsOf(after));
        subscription.close();
        return middle;
    }
}
