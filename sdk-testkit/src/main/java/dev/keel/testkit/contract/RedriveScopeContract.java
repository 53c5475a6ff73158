package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.Subscription;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.metrics.MetricEvent;
import dev.keel.spi.OutboundRecord;
import dev.keel.testkit.Crash;
import dev.keel.testkit.FaultyIdempotencyStore.Call;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Whom a dead-letter re-drive reaches, and how often. The re-driven copy runs only in the group it
 * was re-driven for: every other group of the origin topic acknowledges it without running it, under
 * AT_LEAST_ONCE and whatever its retention, and a group that dead-lettered the same id keeps its own
 * dead letter, re-drivable for it. A copy re-driven by a Keel that did not name the group runs only
 * where the id is dead (under EFFECTIVELY_ONCE). A re-driven copy that fails again and is redelivered
 * after a crash between its new dead letter and its acknowledgement does not run again, nor does a
 * second copy of the same letter; a copy of the new letter runs. Every adapter
 * runs it through {@link BrokerContractTest}.
 */
public abstract class RedriveScopeContract extends DeliveryContract {

    /**
     * The quiet period that ends each read of the dead letters: shorter than the default 3 s, which
     * would make these tests wait 3 s after every read; long enough for letters already on a local
     * broker to arrive, also with two modules' tests sharing the cores.
     */
    static final Duration READ_QUIET = Duration.ofSeconds(2);
    private static final String POISON = "poison";
    private static final String KEY = "k-poison";
    /** A group whose done marks expire a second after they are made. */
    private static final IdempotencyPolicy SHORT_MEMORY = IdempotencyPolicy.custom().lease(Duration.ofSeconds(1))
            .retention(Duration.ofSeconds(1)).storeRetryInterval(Duration.ofMillis(100)).build();

    @Test
    void aRedriveShouldRunOnlyInTheGroupItWasMadeFor() {
        Keel keel = newKeel();
        String alsoDead = group + "-also-dead";
        String forgetful = group + "-forgetful";
        String atLeastOnce = group + "-alo";
        keel.ensureTopology(topic(topic).group(group).group(alsoDead).group(forgetful).group(atLeastOnce).build());
        FixableHandler target = new FixableHandler(POISON, true);
        FixableHandler other = new FixableHandler(POISON, true);
        FixableHandler forgets = new FixableHandler(POISON, false);
        FixableHandler alo = new FixableHandler(POISON, false);
        keel.subscribe(subscription().build(), target);
        keel.subscribe(subscriptionIn(alsoDead).build(), other);
        keel.subscribe(subscriptionIn(forgetful).idempotencyPolicy(SHORT_MEMORY).build(), forgets);
        keel.subscribe(subscriptionIn(atLeastOnce).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), alo);
        List<FixableHandler> all = List.of(target, other, forgets, alo);
        publishConfirmed(keel, topic, List.of(message(POISON, KEY)));
        awaitUntil("dead-lettered by two groups", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 2);
        awaitHandled(forgets.effects, List.of(POISON));
        awaitHandled(alo.effects, List.of(POISON));
        awaitNoMark(forgetful, POISON);
        int otherRuns = other.runs(POISON);
        long filteredBefore = metrics.count(MetricEvent.FILTERED);
        target.fix();

        RedriveResult forTarget = keel.deadLetters(topic, group).withQuietPeriod(READ_QUIET)
                .redrive(DeadLetterFilter.all(), RedriveListener.NONE);

        assertThat(forTarget.redriven()).as("re-driven for " + group).isEqualTo(1);
        flush(keel, "after-first-redrive", KEY, all);
        assertThat(target.effects.count(POISON)).as("effects in the group it was re-driven for").isEqualTo(1);
        assertThat(other.runs(POISON)).as("runs in another group that dead-lettered it too").isEqualTo(otherRuns);
        assertThat(forgets.effects.count(POISON)).as("effects in a group whose done mark expired").isEqualTo(1);
        assertThat(alo.effects.count(POISON)).as("effects in an AT_LEAST_ONCE group").isEqualTo(1);
        assertThat(metrics.count(MetricEvent.FILTERED) - filteredBefore)
                .as("copies the three other groups acknowledged unrun, counted as filtered").isEqualTo(3);

        other.fix();
        RedriveResult forOther = keel.deadLetters(topic, alsoDead).withQuietPeriod(READ_QUIET)
                .redrive(DeadLetterFilter.all(), RedriveListener.NONE);

        assertThat(forOther.redriven()).as("the other group's dead letter, still re-drivable").isEqualTo(1);
        flush(keel, "after-second-redrive", KEY, all);
        assertThat(other.effects.count(POISON)).as("effects in the other group, re-driven for it").isEqualTo(1);
        assertThat(target.effects.count(POISON)).as("effects in the first group, not re-driven for").isEqualTo(1);
        assertThat(forgets.effects.count(POISON)).isEqualTo(1);
        assertThat(alo.effects.count(POISON)).isEqualTo(1);
    }

    @Test
    void aCopyRedrivenWithoutATargetGroupShouldRunOnlyWhereItsIdIsDead() {
        Keel keel = newKeel();
        String forgetful = group + "-forgetful";
        String atLeastOnce = group + "-alo";
        keel.ensureTopology(topic(topic).group(group).group(forgetful).group(atLeastOnce).build());
        FixableHandler dead = new FixableHandler(POISON, true);
        FixableHandler forgets = new FixableHandler(POISON, false);
        FixableHandler alo = new FixableHandler(POISON, false);
        keel.subscribe(subscription().build(), dead);
        keel.subscribe(subscriptionIn(forgetful).idempotencyPolicy(SHORT_MEMORY).build(), forgets);
        keel.subscribe(subscriptionIn(atLeastOnce).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), alo);
        publishConfirmed(keel, topic, List.of(message(POISON, KEY)));
        awaitUntil("dead-lettered", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 1);
        awaitHandled(forgets.effects, List.of(POISON));
        awaitHandled(alo.effects, List.of(POISON));
        awaitNoMark(forgetful, POISON);
        dead.fix();

        // what a re-drive of an earlier Keel published: keel-redriven-at, no group named
        join(adapterOf(keel).producer().send(new OutboundRecord(topic, POISON, KEY,
                Map.of(KeelHeaders.ID, POISON, KeelHeaders.KEY, KEY,
                        KeelHeaders.REDRIVEN_AT, Long.toString(System.currentTimeMillis())),
                POISON.getBytes(StandardCharsets.UTF_8), Instant.now())));

        flush(keel, "after-redrive", KEY, List.of(dead, forgets, alo));
        assertThat(dead.effects.count(POISON)).as("effects where the id is dead").isEqualTo(1);
        assertThat(forgets.effects.count(POISON)).as("effects where the id's done mark expired").isEqualTo(1);
        assertThat(alo.effects.count(POISON)).as("effects under AT_LEAST_ONCE, which cannot tell (documented)")
                .isEqualTo(2);
    }

    @Test
    void aRedrivenCopyRedeliveredAfterACrashBetweenItsNewDeadLetterAndItsAckShouldNotRunAgain() {
        Keel keel = newKeel();
        declare(keel);
        FixableHandler handler = new FixableHandler(POISON, true);
        Subscription first = keel.subscribe(subscription().build(), handler);
        RawReader letters = readDeadLetters();
        publishConfirmed(keel, topic, List.of(message(POISON, KEY)));
        awaitUntil("the first dead letter", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 1);
        int runsBefore = handler.runs(POISON);
        CompletableFuture<CompletionStage<Void>> crashed = new CompletableFuture<>();
        // the id marked dead after the copy's last attempt is its dead letter's mark: the consumer dies before it
        // acknowledges the copy. (Where a failed attempt hands the copy back to the broker, a share group, its release
        // marks the id dead again too, between attempts: those are let pass)
        Runnable crashAtTheLastMark = new Runnable() {
            @Override
            public void run() {
                if (handler.runs(POISON) - runsBefore >= 3) {
                    crashed.complete(Crash.crash(first));
                } else {
                    store.afterNext(Call.MARK_DEAD, this);
                }
            }
        };
        store.afterNext(Call.MARK_DEAD, crashAtTheLastMark);
        DeadLetters deadLetters = keel.deadLetters(topic, group).withQuietPeriod(READ_QUIET);

        assertThat(deadLetters.redrive(DeadLetterFilter.all(), RedriveListener.NONE).redriven()).isEqualTo(1);

        join(join(crashed));
        assertThat(handler.runs(POISON) - runsBefore).as("attempts of the re-driven copy, still failing").isEqualTo(3);
        keel.subscribe(subscription().build(), handler); // the successor receives the unacknowledged copy
        flush(keel, "after-crash", KEY, List.of(handler));
        assertThat(handler.runs(POISON) - runsBefore).as("attempts of the re-driven copy after its redelivery")
                .isEqualTo(3);
        assertThat(deadLetters.list(DeadLetterFilter.all())).as("one dead letter of the re-driven copy")
                .extracting(DeadLetter::id).containsExactly(POISON);
        awaitUntil("both dead letters at the reader", () -> letters.records().size() >= 2);
        assertThat(letters.records().get(1).headers()).as("the re-driven copy's dead letter")
                .containsEntry(KeelHeaders.DLT_GROUP, group)
                .doesNotContainKeys(KeelHeaders.REDRIVEN_AT, KeelHeaders.REDRIVEN_GROUP, KeelHeaders.REDRIVEN_LETTER);

        // the first letter re-driven a second time by mistake: its copy failed and was dead-lettered already
        String firstLetter = letters.records().get(0).headers().get(KeelHeaders.DLT_AT);
        join(adapterOf(keel).producer().send(new OutboundRecord(topic, POISON, KEY, Map.of(KeelHeaders.ID, POISON,
                KeelHeaders.KEY, KEY, KeelHeaders.REDRIVEN_AT, Long.toString(System.currentTimeMillis()),
                KeelHeaders.REDRIVEN_GROUP, group, KeelHeaders.REDRIVEN_LETTER, firstLetter),
                POISON.getBytes(StandardCharsets.UTF_8), Instant.now())));
        flush(keel, "after-second-copy", KEY, List.of(handler));
        assertThat(handler.runs(POISON) - runsBefore).as("attempts after the first letter was re-driven again")
                .isEqualTo(3);

        handler.fix();
        assertThat(deadLetters.redrive(DeadLetterFilter.all(), RedriveListener.NONE).redriven())
                .as("the copy's own dead letter, re-drivable").isEqualTo(1);
        flush(keel, "after-fix", KEY, List.of(handler));
        assertThat(handler.effects.count(POISON)).isEqualTo(1);
    }
}
