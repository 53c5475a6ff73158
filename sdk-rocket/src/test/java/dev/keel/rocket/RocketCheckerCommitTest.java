package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A message whose local transaction answered {@code UNKNOWN} and whose {@link TransactionChecker} answers
 * {@code COMMIT} at a check-back is delivered once, however often the broker checks it back afterwards.
 *
 * <p>The broker (RocketMQ 5) checks a half message by storing a copy of it in its half topic (a new queue offset and
 * commit-log offset) and asking about that copy; an answer ends the copy it names by an "op" message, which the broker
 * writes in batches ({@code transactionOpBatchInterval}, 3 s by default). Until that op message is written, every
 * check (the harness's broker checks every second) stores one more copy of the committed half message and asks
 * again: a second {@code COMMIT} commits that copy too, one more delivery. The checker here commits the messages at
 * their 1st, 2nd, 3rd and 4th check-back (four consecutive checks of the broker, so that whatever the phase of the op
 * batches one of them is committed at least a check before its op message is written), and a marker at its 8th,
 * after the copies the others' later check-backs would commit: it is published with the same key on a one-queue
 * topic after them, so once it is handled every copy committed before it was.
 *
 * <p>{@link RocketLeastPrivilegeTest} runs the same on the ACL 2.0 broker with a user that has only {@code Pub} on
 * the topic.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketCheckerCommitTest {

    static final Duration PATIENCE = Duration.ofSeconds(90);
    /** The check-back at which the marker is committed: well after the others' last commit (4th) and its copies. */
    private static final int MARKER_COMMITTED_AT = 8;

    @Test
    void aMessageTheCheckerCommitsIsDeliveredOnceWhateverTheLaterCheckBacks() {
        String topic = RocketTestSupport.unique("tx-checked");
        try (RocketAdapter adapter = RocketTestSupport.adapter();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group("billing").build());
            assertCheckerCommitsDeliveredOnce(keel, topic, "billing",
                    checker -> adapter.transactionalPublisher(RocketTestSupport.unique("tx-checked-producers"),
                            Set.of(topic), checker));
        }
    }

    /**
     * Publishes four messages and a marker to {@code topic} (one queue) with a publisher {@code publishers} makes with
     * the checker given, each local transaction answering {@code UNKNOWN}; consumes {@code topic} as {@code group} of
     * {@code consumer} at least once, and asserts that each of the four is handled once when the marker is.
     */
    static void assertCheckerCommitsDeliveredOnce(Keel consumer, String topic, String group,
                                                 Function<TransactionChecker, TransactionalPublisher> publishers) {
        String run = RocketTestSupport.unique("checked");
        Map<String, Integer> commitAt = new LinkedHashMap<>();
        for (int i = 1; i <= 4; i++) {
            commitAt.put(run + "-" + i, i);
        }
        String marker = run + "-marker";
        commitAt.put(marker, MARKER_COMMITTED_AT);
        Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        Subscription subscription = consumer.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).closeTimeout(Duration.ofSeconds(10)).build(),
                delivery -> handled.merge(delivery.id(), 1, Integer::sum));
        try (TransactionalPublisher publisher = publishers.apply(half -> {
            int times = asked.computeIfAbsent(half.id(), id -> new AtomicInteger()).incrementAndGet();
            Integer at = commitAt.get(half.id());
            return at != null && times >= at ? TransactionOutcome.COMMIT : TransactionOutcome.UNKNOWN;
        })) {
            for (String id : commitAt.keySet()) {
                TransactionReceipt receipt = publisher.publish(topic, Message.builder("order", Codec.utf8()).id(id)
                        .key("order").build(), half -> TransactionOutcome.UNKNOWN);
                assertThat(receipt.outcome()).as("outcome of %s", id).isEqualTo(TransactionOutcome.UNKNOWN);
            }
            await().atMost(PATIENCE).until(() -> handled.containsKey(marker));
        } finally {
            subscription.close();
        }
        Map<String, Integer> once = new LinkedHashMap<>();
        Map<String, Integer> got = new LinkedHashMap<>();
        commitAt.keySet().stream().filter(id -> !id.equals(marker)).forEach(id -> {
            once.put(id, 1);
            got.put(id, handled.getOrDefault(id, 0));
        });
        assertThat(got).as("times each message was handled (the checker was asked %s, committing at %s)", asked,
                commitAt).isEqualTo(once);
    }
}
