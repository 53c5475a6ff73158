package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A dead-letter read on Kafka ends once its consumer has read to the end of the dead-letter topic, not after a wait: an
 * empty one is listed well within {@link DeadLetters#DEFAULT_FIRST_WAIT}, and letters are listed with a quiet period
 * far longer than the test's bound. (Before, an empty dead-letter topic took the whole first wait, 30 s, per listing.)
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDeadLetterReadEndsAtTheEndTest {

    /** Well under the first wait; generous for a consumer to join and fetch on a busy machine. */
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final Duration LONG_QUIET = Duration.ofMinutes(10);

    @Test
    void anEmptyDeadLetterTopicShouldBeListedAndRedrivenWithoutWaitingOutTheFirstWait() {
        String topic = KafkaTestSupport.unique("dlt-empty-end");
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers())
                .build()); Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            keel.ensureTopology(TopicSpec.builder(topic + ".DLT").partitions(3).build());
            DeadLetters deadLetters = keel.deadLetters(topic, "g");

            List<DeadLetter> listed = assertTimeoutPreemptively(BOUND, () -> deadLetters.list(DeadLetterFilter.all()),
                    "an empty dead-letter topic's listing waited for letters after reading to its end");
            RedriveResult redriven = assertTimeoutPreemptively(BOUND,
                    () -> deadLetters.redrive(DeadLetterFilter.all(), RedriveListener.NONE),
                    "an empty dead-letter topic's re-drive waited for letters after reading to its end");

            assertThat(listed).isEmpty();
            assertThat(redriven).isEqualTo(new RedriveResult(0, 0, 0, 0));
        }
    }

    @Test
    void lettersShouldBeListedWithoutWaitingOutTheQuietPeriod() {
        String topic = KafkaTestSupport.unique("dlt-letters-end");
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers())
                .build()); Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            Subscription failing = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).retryPolicy(RetryPolicy.custom().maxAttempts(1).build())
                    .build(), d -> {
                        throw new IllegalStateException("refused for the test");
                    });
            for (String id : new String[] {"a", "b", "c"}) {
                keel.publisher(topic, Codec.utf8()).message("m").id(id).key(id).publish();
            }
            DeadLetters quick = keel.deadLetters(topic, "g").withQuietPeriod(Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(60)).until(() -> quick.list(DeadLetterFilter.all()).size() == 3);
            failing.close();

            DeadLetters patient = keel.deadLetters(topic, "g").withQuietPeriod(LONG_QUIET);
            List<DeadLetter> listed = assertTimeoutPreemptively(BOUND, () -> patient.list(DeadLetterFilter.all()),
                    "the listing waited out its quiet period after reading to the end of the dead-letter topic");

            assertThat(listed).extracting(DeadLetter::id).containsExactlyInAnyOrder("a", "b", "c");
        }
    }
}
