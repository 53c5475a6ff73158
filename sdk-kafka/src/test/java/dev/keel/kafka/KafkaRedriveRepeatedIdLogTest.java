package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A re-drive that meets a second letter with an id it moved already (a message dead-lettered twice) leaves it for the
 * next re-drive, and says so: its result counts one letter, and the other one would otherwise stay unmentioned.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaRedriveRepeatedIdLogTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void lettersKeptByTheFilterShouldNotBeToldOfAsLeft() {
        String topic = KafkaTestSupport.unique("redrive-kept");
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers())
                .build()); Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Subscription failing = deadLetterEverything(keel, topic);
            for (String id : new String[] {"moved", "kept-1", "kept-2"}) {
                keel.publisher(topic, Codec.utf8()).message("m").id(id).key("k").publish();
            }
            DeadLetters deadLetters = keel.deadLetters(topic, "g").withQuietPeriod(Duration.ofSeconds(1));
            await().atMost(WAIT).until(() -> deadLetters.list(DeadLetterFilter.all()).size() == 3);
            failing.close();

            try (CapturedLog log = CapturedLog.start()) {
                RedriveResult result = deadLetters.redrive(DeadLetterFilter.all().withId("moved"), RedriveListener.NONE);

                assertThat(result.redriven()).isOne();
                assertThat(result.kept()).isEqualTo(2);
                assertThat(log.linesContaining("more letter(s) with an id")).as("letters told of as left").isZero();
            }
        }
    }

    @Test
    void aLetterWhoseIdWasRedrivenAlreadyInTheSameRedriveShouldBeLeftAndToldOf() {
        String topic = KafkaTestSupport.unique("redrive-twice");
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers())
                .build()); Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Subscription failing = deadLetterEverything(keel, topic);
            keel.publisher(topic, Codec.utf8()).message("m").id("twice").key("k").publish();
            keel.publisher(topic, Codec.utf8()).message("m").id("twice").key("k").publish();
            DeadLetters deadLetters = keel.deadLetters(topic, "g").withQuietPeriod(Duration.ofSeconds(1));
            await().atMost(WAIT).until(() -> deadLetters.list(DeadLetterFilter.all()).size() == 2);
            failing.close();

            try (CapturedLog log = CapturedLog.start()) {
                RedriveResult result = deadLetters.redrive(DeadLetterFilter.all(), RedriveListener.NONE);

                assertThat(result.redriven()).isOne();
                assertThat(log.linesContaining("INFO", "1 more letter(s) with an id this re-drive had moved already",
                        topic + ".DLT", "re-drive again")).as("the letter left, told of").isOne();
            }
            assertThat(deadLetters.list(DeadLetterFilter.all())).as("the letter left for the next re-drive").hasSize(1);
        }
    }

    /** Declares {@code topic} and subscribes group g with a handler that fails every message once: each is dead-lettered. */
    private static Subscription deadLetterEverything(Keel keel, String topic) {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        return keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).retryPolicy(RetryPolicy.custom().maxAttempts(1).build())
                .build(), d -> {
                    throw new IllegalStateException("refused for the test");
                });
    }
}
