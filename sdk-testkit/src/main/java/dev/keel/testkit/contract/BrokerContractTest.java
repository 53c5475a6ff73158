package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.BrokerUnavailableException;
import dev.keel.core.Keel;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.spi.Capability;
import dev.keel.testkit.Faults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The broker-agnostic contract every adapter must pass, on a real broker: an adapter's test
 * subclasses this and implements {@link #createAdapter()} (and, where needed, the other hooks of
 * {@link BrokerContractSupport}). A test needing an optional ability is skipped, naming the
 * {@link Capability}, when the adapter does not declare it. Waits are bounded by
 * {@link #patience()}; nothing is timed. This half covers ordering, crashes, outages and group
 * changes; {@link DeliveryContract} covers publishing, duplicates and dead letters.
 */
public abstract class BrokerContractTest extends RedriveContract {

    private static final int KEYS = 16;
    private static final int PER_KEY = 25;

    @Test
    void perKeyOrderShouldHoldAcrossEightLanes() {
        Keel keel = newKeel();
        assumeCapability(Capability.KEY_ORDERING);
        declare(keel);
        Effects effects = new Effects();
        Random random = new Random(42);
        Map<String, Integer> spins = new ConcurrentHashMap<>();
        List<Message> messages = orderedMessages("o");
        messages.forEach(m -> spins.put(m.id(), random.nextInt(200)));
        Subscription subscription = keel.subscribe(subscription().lanes(8).build(), d -> {
            busyFor(spins.get(d.id()));
            effects.apply(d);
        });

        publishConfirmed(keel, topic, messages);

        awaitHandled(effects, idsOf(messages));
        subscription.close();
        assertInPublishOrderPerKey(effects, "o");
        assertThat(effects.repeated()).isEmpty();
    }

    @Test
    void perKeyOrderShouldHoldWhileMessagesAreRetried() {
        Keel keel = newKeel();
        assumeCapability(Capability.KEY_ORDERING);
        declare(keel);
        Effects effects = new Effects();
        Map<String, List<String>> attemptsPerKey = new ConcurrentHashMap<>();
        Subscription subscription = keel.subscribe(subscription().lanes(8).retryPolicy(quickRetries(4)).build(), d -> {
            int seq = sequenceOf(d.id());
            attemptsPerKey.computeIfAbsent(d.key(), k -> new CopyOnWriteArrayList<>()).add(seq + "#" + d.attempt());
            if (d.attempt() <= failuresFor(seq)) {
                throw new IllegalStateException("transient failure " + d.attempt() + " of " + d.id());
            }
            effects.apply(d);
        });
        List<Message> messages = orderedMessages("r");

        publishConfirmed(keel, topic, messages);

        awaitHandled(effects, idsOf(messages));
        subscription.close();
        assertInPublishOrderPerKey(effects, "r");
        assertThat(effects.repeated()).as("handled successfully more than once").isEmpty();
        for (int k = 0; k < KEYS; k++) {
            List<String> expected = new ArrayList<>();
            for (int seq = 0; seq < PER_KEY; seq++) {
                for (int attempt = 1; attempt <= failuresFor(seq) + 1; attempt++) {
                    expected.add(seq + "#" + attempt);
                }
            }
            assertThat(attemptsPerKey.get("key-" + k)).as("attempts of key-%d in order", k).isEqualTo(expected);
        }
    }

    /**
     * A consumer that crashes while handling is replaced by another, and each message's effect
     * still happens once: the crashed consumer's claims expire (lease) and its unacknowledged
     * messages are redelivered. The crashed handlers block before their side effect; the ones it
     * completed are marked done before the crash. The documented remaining window — a crash after
     * the side effect and before the id is marked done — re-runs the handler once the lease expires,
     * and is not exercised here.
     */
    @Test
    void redeliveryAfterConsumerCrashShouldBeHandledOnce() {
        Keel first = newKeel();
        assumeCapability(Capability.REDELIVERY);
        declare(first);
        Effects effects = new Effects();
        Set<String> doneByFirst = ConcurrentHashMap.newKeySet();
        CountDownLatch crashed = new CountDownLatch(1);
        cleanup(crashed::countDown);
        AtomicInteger calls = new AtomicInteger();
        int completeBeforeCrash = 10;
        IdempotencyPolicy shortLease = IdempotencyPolicy.from(subscription().build().idempotencyPolicy())
                .lease(Duration.ofSeconds(3)).build();
        Subscription doomed = first.subscribe(subscription().idempotencyPolicy(shortLease).build(), d -> {
            if (calls.incrementAndGet() > completeBeforeCrash) {
                crashed.await(patience().toMillis(), TimeUnit.MILLISECONDS);
                throw new IllegalStateException("the crashed consumer's handler resumed; its outcome is discarded");
            }
            effects.apply(d);
            doneByFirst.add(d.id());
        });
        List<Message> messages = IntStream.range(0, 60).mapToObj(i -> message("c-" + i, "key-" + (i % 6))).toList();
        publishConfirmed(first, topic, messages);
        awaitUntil("the first consumer blocked mid-stream", () -> calls.get() > completeBeforeCrash
                && doneByFirst.size() == completeBeforeCrash && store.completedIds().containsAll(doneByFirst));

        crash(doomed);
        Keel second = newKeel();
        Subscription successor = second.subscribe(subscription().idempotencyPolicy(shortLease).build(), effects::apply);

        awaitHandled(effects, idsOf(messages));
        successor.close();
        assertThat(effects.repeated()).as("ids whose effect happened more than once").isEmpty();
        assertThat(leftoversOf(second)).as("messages left unacknowledged").isEmpty();
    }

    @Test
    void storeOutageShouldPauseHandlingAndLoseOrRepeatNothing() {
        Keel keel = newKeel();
        declare(keel);
        Effects effects = new Effects();
        AtomicInteger calls = new AtomicInteger();
        Subscription subscription = keel.subscribe(subscription().build(), d -> {
            calls.incrementAndGet();
            effects.apply(d);
        });
        List<Message> before = IntStream.range(0, 20).mapToObj(i -> message("s-" + i, "key-" + (i % 5))).toList();
        List<Message> during = IntStream.range(20, 40).mapToObj(i -> message("s-" + i, "key-" + (i % 5))).toList();
        publishConfirmed(keel, topic, before);
        awaitUntil("the first messages handled and marked done",
                () -> effects.appliedAll(idsOf(before)) && store.completedIds().containsAll(idsOf(before)));

        store.down();
        int callsAtOutage = calls.get();
        long refusedAtOutage = store.rejectedCalls();
        publishConfirmed(keel, topic, during);
        awaitUntil("the consumer tried the store several times",
                () -> store.rejectedCalls() >= refusedAtOutage + 3);
        int callsDuringOutage = calls.get();
        store.up();

        assertThat(callsDuringOutage).as("handler calls while the store was down").isEqualTo(callsAtOutage);
        awaitHandled(effects, idsOf(during));
        subscription.close();
        assertThat(effects.repeated()).isEmpty();
        assertThat(leftoversOf(keel)).as("messages left unacknowledged").isEmpty();
    }

    @Test
    void consumerClosedMidStreamShouldLeaveTheRestToTheNext() throws Exception {
        Keel first = newKeel();
        assumeCapability(Capability.REDELIVERY);
        declare(first);
        Effects effects = new Effects();
        CountDownLatch gate = new CountDownLatch(1);
        cleanup(gate::countDown);
        AtomicInteger calls = new AtomicInteger();
        Subscription closing = first.subscribe(subscription().build(), d -> {
            if (calls.incrementAndGet() > 30) {
                gate.await(patience().toMillis(), TimeUnit.MILLISECONDS);
            }
            effects.apply(d);
        });
        List<Message> messages = IntStream.range(0, 100).mapToObj(i -> message("g-" + i, "key-" + (i % 10))).toList();
        publishConfirmed(first, topic, messages);
        awaitUntil("the first consumer is mid-stream", () -> calls.get() > 30);

        CompletableFuture<Void> closed = closing.closeAsync(patience()).toCompletableFuture();
        gate.countDown();
        closed.get(patience().toMillis() * 2, TimeUnit.MILLISECONDS);
        Keel second = newKeel();
        Subscription next = second.subscribe(subscription().build(), effects::apply);

        awaitHandled(effects, idsOf(messages));
        next.close();
        assertThat(effects.repeated()).as("ids handled more than once").isEmpty();
        assertThat(leftoversOf(second)).as("messages left unacknowledged").isEmpty();
    }

    @Test
    void consumerJoiningMidStreamShouldCauseNoLossNoDuplicateAndKeepKeyOrder() {
        Keel first = newKeel();
        assumeCapability(Capability.CONSUMER_GROUPS);
        declare(first);
        Effects effects = new Effects();
        AtomicInteger bySecond = new AtomicInteger();
        Subscription one = first.subscribe(subscription().build(), effects::apply);
        List<String> published = new ArrayList<>();
        for (int batch = 0; batch < 3; batch++) {
            published.addAll(publishBatch(first, batch));
        }
        awaitUntil("the first consumer is running", () -> effects.total() >= 20);

        Keel second = newKeel();
        Subscription two = second.subscribe(subscription().build(), d -> {
            bySecond.incrementAndGet();
            effects.apply(d);
        });
        // keep the stream flowing through the rebalance: until the newcomer has had work for a few
        // batches, or for a while (a broker with single-active-consumer lanes keeps it on standby)
        long deadline = System.nanoTime() + patience().toNanos() / 4;
        int batch = 3;
        int batchesWithNewcomer = 0;
        while (batchesWithNewcomer < 3 && System.nanoTime() < deadline) {
            published.addAll(publishBatch(first, batch++));
            int target = published.size() - 20;
            awaitUntil("the stream keeps flowing", () -> effects.total() >= target);
            batchesWithNewcomer = bySecond.get() > 0 ? batchesWithNewcomer + 1 : 0;
        }
        published.addAll(publishBatch(first, batch));

        awaitHandled(effects, published);
        one.close();
        two.close();
        assertThat(effects.repeated()).as("ids handled more than once").isEmpty();
        assertThat(leftoversOf(first)).as("messages left unacknowledged").isEmpty();
        if (has(Capability.KEY_ORDERING)) {
            for (int k = 0; k < 20; k++) {
                List<String> sequence = effects.sequenceOf("key-" + k);
                assertThat(sequence.stream().map(BrokerContractTest::sequenceOf).toList())
                        .as("order of key-%d", k).isSorted();
            }
        }
    }

    @Test
    void droppedConnectionShouldLoseNothingAndRepeatNoEffect() {
        Keel keel = newKeel(PublisherConfig.custom().maxAttempts(2).retryBackoff(Duration.ofMillis(20)).build());
        Faults faults = faultsOf(keel);
        declare(keel);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), effects::apply);
        List<Message> before = IntStream.range(0, 40).mapToObj(i -> message("x-" + i, "key-" + (i % 8))).toList();
        List<Message> after = IntStream.range(40, 80).mapToObj(i -> message("x-" + i, "key-" + (i % 8))).toList();
        publishConfirmed(keel, topic, before);
        awaitUntil("some messages handled", () -> effects.total() >= 10);

        faults.dropConnection();
        Throwable failure = failureOf(() -> keel.publisher().publishAsync(topic, message("x-lost", "key-0")));
        faults.restoreConnection();
        publishConfirmed(keel, topic, after);

        assertThat(failure).isInstanceOf(BrokerUnavailableException.class);
        assertThat(((KeelException) failure).isRetriable()).isTrue();
        awaitHandled(effects, idsOf(before));
        awaitHandled(effects, idsOf(after));
        subscription.close();
        assertThat(effects.ids()).doesNotContain("x-lost");
        assertThat(effects.repeated()).as("ids handled more than once").isEmpty();
        assertThat(leftoversOf(keel)).as("messages left unacknowledged").isEmpty();
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** {@value #KEYS} keys x {@value #PER_KEY} messages, interleaved; id {@code <prefix>-<key>-<seq>}. */
    private static List<Message> orderedMessages(String prefix) {
        List<Message> messages = new ArrayList<>();
        for (int seq = 0; seq < PER_KEY; seq++) {
            for (int k = 0; k < KEYS; k++) {
                messages.add(message(prefix + "-" + k + "-" + seq, "key-" + k));
            }
        }
        return messages;
    }

    private static void assertInPublishOrderPerKey(Effects effects, String prefix) {
        for (int k = 0; k < KEYS; k++) {
            int key = k;
            List<String> expected = IntStream.range(0, PER_KEY).mapToObj(seq -> prefix + "-" + key + "-" + seq).toList();
            assertThat(effects.sequenceOf("key-" + k)).as("handling order of key-%d", k).isEqualTo(expected);
        }
    }

    /** One batch of 20 messages, one per key, with sequence number {@code batch}. */
    private List<String> publishBatch(Keel keel, int batch) {
        List<Message> messages = IntStream.range(0, 20).mapToObj(k -> message("j-" + k + "-" + batch, "key-" + k))
                .toList();
        publishConfirmed(keel, topic, messages);
        return idsOf(messages);
    }

    /** The trailing sequence number of an id {@code <prefix>-<key>-<seq>}. */
    private static int sequenceOf(String id) {
        return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
    }

    /** How many first attempts of message {@code seq} fail: some once, some twice, most never. */
    private static int failuresFor(int seq) {
        return seq % 7 == 4 ? 2 : seq % 5 == 2 ? 1 : 0;
    }

    /** A tiny busy handler: spins for {@code micros} microseconds (no sleeping). */
    private static void busyFor(int micros) {
        long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }
}
