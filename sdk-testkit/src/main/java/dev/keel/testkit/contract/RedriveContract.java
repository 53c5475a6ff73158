package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.BrokerUnavailableException;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.metrics.MetricEvent;
import dev.keel.spi.OutboundRecord;
import dev.keel.testkit.Faults;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Dead-letter re-drive ({@code keel.deadLetters(topic, group)}) under EFFECTIVELY_ONCE: poison
 * messages that fail because of a flag in the handler are dead-lettered and listed (without being
 * removed); a redelivered original is not run; once the flag is fixed a re-drive runs each once; a
 * re-drive repeated by mistake runs none again; a dead letter the filter leaves out stays; a
 * time window re-drives only what was dead-lettered within it. Every
 * adapter runs it (dead letters are offered everywhere): through {@link BrokerContractTest}.
 */
public abstract class RedriveContract extends RedriveScopeContract {

    private static final List<String> POISON = List.of("poison-1", "poison-2", "poison-3");
    private static final String OTHER_CAUSE = "other-cause";

    @Test
    void redrivenPoisonMessagesRunOnceEachAndARepeatedRedriveRunsNone() {
        Keel keel = newKeel();
        declare(keel);
        AtomicBoolean broken = new AtomicBoolean(true);
        Effects effects = new Effects();
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        Subscription subscription = keel.subscribe(subscription().build(), d -> {
            runs.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
            if (d.id().equals(OTHER_CAUSE)) {
                throw new IllegalArgumentException("never fixed");
            }
            if (d.id().startsWith("poison") && broken.get()) {
                throw new IllegalStateException("the flag is broken");
            }
            effects.apply(d);
        });
        List<Message> first = new ArrayList<>();
        POISON.forEach(id -> first.add(message(id, keyOf(id))));
        first.add(message(OTHER_CAUSE, keyOf(OTHER_CAUSE)));
        first.add(message("good-1", "k-good"));
        publishConfirmed(keel, topic, first);
        awaitUntil("four dead letters", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 4);
        awaitHandled(effects, List.of("good-1"));

        DeadLetters deadLetters = keel.deadLetters(topic, group).withQuietPeriod(READ_QUIET);
        List<DeadLetter> listed = deadLetters.list(DeadLetterFilter.all());
        assertThat(listed).extracting(DeadLetter::id).containsExactlyInAnyOrder("poison-1", "poison-2", "poison-3",
                OTHER_CAUSE);
        DeadLetter letter = listed.stream().filter(l -> l.id().equals("poison-1")).findFirst().orElseThrow();
        assertThat(letter.causeClass()).isEqualTo(IllegalStateException.class.getName());
        assertThat(letter.causeMessage()).isEqualTo("the flag is broken");
        assertThat(letter.attempts()).isEqualTo(3);
        assertThat(letter.originTopic()).isEqualTo(topic);
        assertThat(letter.key()).isEqualTo(keyOf("poison-1"));
        assertThat(letter.group()).isEqualTo(group);
        assertThat(letter.deadLetteredAt()).isNotNull().isBefore(Instant.now().plusSeconds(60));
        assertThat(deadLetters.list(DeadLetterFilter.all().withCauseClass("IllegalArgumentException")))
                .as("listing removed nothing; filtered by cause").extracting(DeadLetter::id).containsExactly(OTHER_CAUSE);

        // a plain redelivery of a dead-lettered original is a duplicate: acknowledged, not run
        int runsBefore = runs.get("poison-1").get();
        publishConfirmed(keel, topic, List.of(message("poison-1", keyOf("poison-1")),
                message("after-redelivery", keyOf("poison-1"))));
        awaitHandled(effects, List.of("after-redelivery"));
        assertThat(runs.get("poison-1").get()).as("runs of the redelivered original").isEqualTo(runsBefore);

        broken.set(false);
        List<RedriveResult> progress = new CopyOnWriteArrayList<>();
        RedriveResult result = deadLetters.redrive(DeadLetterFilter.all()
                .withCauseClass(IllegalStateException.class.getName()), (soFar, received) -> progress.add(soFar));

        assertThat(result).isEqualTo(new RedriveResult(4, 3, 1, 0));
        assertThat(progress).hasSize(4).last().isEqualTo(result);
        awaitHandled(effects, POISON);

        // the same re-drive again by mistake (a re-drive that died after its publishes, before its acks)
        List<Message> sentinels = new ArrayList<>();
        for (String id : POISON) {
            join(adapterOf(keel).producer().send(redrivenCopy(id)));
            sentinels.add(message("after-" + id, keyOf(id)));
        }
        publishConfirmed(keel, topic, sentinels);
        awaitHandled(effects, idsOf(sentinels));
        for (String id : POISON) {
            assertThat(effects.count(id)).as("effects of %s", id).isEqualTo(1);
        }
        assertThat(deadLetters.list(DeadLetterFilter.all())).as("the letter the filter left out stays")
                .extracting(DeadLetter::id).containsExactly(OTHER_CAUSE);
        subscription.close();
    }

    @Test
    void aRedriveByTimeRangeShouldRedriveOnlyTheDeadLettersOfThatWindow() {
        Keel keel = newKeel();
        declare(keel);
        AtomicBoolean broken = new AtomicBoolean(true);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), d -> {
            if (broken.get()) {
                throw new IllegalStateException("the flag is broken");
            }
            effects.apply(d);
        });
        List<Message> early = List.of(message("early-1", keyOf("early-1")), message("early-2", keyOf("early-2")));
        List<Message> late = List.of(message("late-1", keyOf("late-1")), message("late-2", keyOf("late-2")));
        publishConfirmed(keel, topic, early);
        awaitUntil("the early dead letters", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 2);
        // every early letter was dead-lettered at an earlier millisecond; every late one, at a later one
        Instant middle = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusMillis(1);
        awaitUntil("the clock past the middle", () -> Instant.now().isAfter(middle.plusMillis(1)));
        publishConfirmed(keel, topic, late);
        awaitUntil("the late dead letters", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 4);
        broken.set(false);
        DeadLetters deadLetters = keel.deadLetters(topic, group).withQuietPeriod(READ_QUIET);

        RedriveResult lateOnly = deadLetters.redrive(DeadLetterFilter.all().withTimeRange(middle, null),
                RedriveListener.NONE);

        assertThat(lateOnly).isEqualTo(new RedriveResult(4, 2, 2, 0));
        awaitHandled(effects, idsOf(late));
        assertThat(deadLetters.list(DeadLetterFilter.all())).as("the letters before the window stay")
                .extracting(DeadLetter::id).containsExactlyInAnyOrder("early-1", "early-2");

        RedriveResult earlyOnly = deadLetters.redrive(DeadLetterFilter.all().withTimeRange(null, middle),
                RedriveListener.NONE);

        assertThat(earlyOnly).isEqualTo(new RedriveResult(2, 2, 0, 0));
        awaitHandled(effects, idsOf(early));
        for (String id : List.of("early-1", "early-2", "late-1", "late-2")) {
            assertThat(effects.count(id)).as("effects of %s", id).isEqualTo(1);
        }
        subscription.close();
    }

    @Test
    void deadLetterWhoseRedrivePublishFailsStaysOnTheDeadLetterTopic() {
        Keel keel = newKeel();
        Faults faults = faultsOf(keel);
        declare(keel);
        Subscription subscription = keel.subscribe(subscription().build(), d -> {
            throw new IllegalStateException("always broken");
        });
        publishConfirmed(keel, topic, List.of(message("poison-1", keyOf("poison-1"))));
        awaitUntil("the dead letter", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 1);
        subscription.close();
        DeadLetters deadLetters = keel.deadLetters(topic, group).withQuietPeriod(READ_QUIET);

        faults.failPublishesTo(topic, new BrokerUnavailableException("the origin topic refuses publishes", null));
        RedriveResult result = deadLetters.redrive(DeadLetterFilter.all(), RedriveListener.NONE);
        faults.clear();

        assertThat(result).isEqualTo(new RedriveResult(1, 0, 0, 1));
        assertThat(deadLetters.list(DeadLetterFilter.all())).as("not acknowledged without a confirmed re-publish")
                .extracting(DeadLetter::id).containsExactly("poison-1");
    }

    private static String keyOf(String id) {
        return "k-" + id;
    }

    /** What a re-drive for the group publishes for {@code id}: same id and key, the re-driven headers. */
    private OutboundRecord redrivenCopy(String id) {
        return new OutboundRecord(topic, id, keyOf(id), Map.of(KeelHeaders.ID, id, KeelHeaders.KEY, keyOf(id),
                KeelHeaders.REDRIVEN_AT, Long.toString(System.currentTimeMillis()), KeelHeaders.REDRIVEN_GROUP, group),
                id.getBytes(java.nio.charset.StandardCharsets.UTF_8), Instant.now());
    }
}
