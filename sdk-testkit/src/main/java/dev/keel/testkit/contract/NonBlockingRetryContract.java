package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.Capability;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Non-blocking retry ({@link Capability#NON_BLOCKING_RETRY}, {@link RetryMode#NON_BLOCKING}), the
 * same on every adapter that declares it, on a real broker: in a one-partition topic a poison
 * message does not hold up the messages behind it (they are all handled before its last attempt,
 * which its backoff delays), and it is dead-lettered after its last attempt with the attempt count
 * and cause. The order is the order of handler calls, not of clocks. One lane and one message in
 * flight: a poison message retried in place would hold the partition for all its attempts.
 */
public abstract class NonBlockingRetryContract extends BrokerContractSupport {

    /** Attempts of the poison message. */
    public static final int MAX_ATTEMPTS = 3;
    /** The wait before each retry: the poison message's last attempt comes no earlier than twice this. */
    public static final Duration BACKOFF = Duration.ofSeconds(3);
    private static final int GOOD = 20;

    /** The sequence number of each handler call, per id (several for the poison message). */
    private final Map<String, List<Long>> calls = new ConcurrentHashMap<>();
    private final List<Integer> poisonAttempts = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();

    @Test
    void poisonMessageShouldNotHoldUpTheMessagesBehindItAndBeDeadLetteredAfterItsLastAttempt() {
        Keel keel = newKeel();
        assumeCapability(Capability.NON_BLOCKING_RETRY);
        keel.ensureTopology(topic(topic).partitions(1).group(group).build());
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().ordering(Ordering.UNORDERED)
                .retryMode(RetryMode.NON_BLOCKING).lanes(1).maxInFlight(1)
                .retryPolicy(RetryPolicy.custom().maxAttempts(MAX_ATTEMPTS).initialBackoff(BACKOFF).multiplier(1.0)
                        .maxBackoff(BACKOFF).jitter(0.0).build()).build(), d -> {
                    calls.computeIfAbsent(d.id(), id -> new CopyOnWriteArrayList<>()).add(sequence.incrementAndGet());
                    if (d.id().equals("poison")) {
                        poisonAttempts.add(d.attempt());
                        throw new IllegalStateException("poison cannot be billed");
                    }
                    effects.apply(d);
                });
        cleanup(subscription);
        RawReader deadLetterReader = readDeadLetters();
        List<Message> good = new ArrayList<>();
        for (int i = 0; i < GOOD; i++) {
            good.add(message("good-" + i, "key-" + (i % 4)));
        }
        List<Message> all = new ArrayList<>();
        all.add(message("poison", "key-0"));
        all.addAll(good);

        publishConfirmed(keel, topic, all);

        awaitHandled(effects, idsOf(good));
        awaitUntil("the poison message dead-lettered", () -> deadLetterReader.ids().contains("poison"));
        assertThat(poisonAttempts).as("attempt numbers of the poison message").containsExactly(1, 2, 3);
        long lastPoisonAttempt = calls.get("poison").get(MAX_ATTEMPTS - 1);
        assertThat(idsOf(good)).as("good messages handled before the poison message's last attempt")
                .allSatisfy(id -> assertThat(calls.get(id).get(0)).isLessThan(lastPoisonAttempt));
        assertThat(effects.repeated()).isEmpty();
        InboundRecord deadLetter = deadLetterReader.records().stream().filter(r -> r.id().equals("poison"))
                .findFirst().orElseThrow();
        assertThat(deadLetter.headers()).containsEntry(KeelHeaders.DLT_ATTEMPTS, Integer.toString(MAX_ATTEMPTS))
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, IllegalStateException.class.getName())
                .containsEntry(KeelHeaders.DLT_ORIGIN_TOPIC, topic);
        assertThat(deadLetterReader.ids()).as("dead-lettered once").containsOnlyOnce("poison");
    }
}
