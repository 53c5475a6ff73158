package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The share group's delivery limit on the real broker: the broker's last delivery ends with Keel's decision. */
@Tag("share")
@UsesBrokers(BrokerKind.KAFKA)
class KafkaShareGroupDeliveryLimitTest {

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("share-limit");
    private final String group = KafkaTestSupport.unique("share-limit-group");
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private Keel keel() {
        KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        Keel keel = Keel.builder(adapter).idempotencyStore(new InMemoryIdempotencyStore()).build();
        resources.add(adapter);
        resources.add(keel);
        return keel;
    }

    private SubscriptionConfig.Builder<String> shared() {
        return SubscriptionConfig.builder(topic, group, Codec.utf8()).shareGroup(true).ordering(Ordering.UNORDERED)
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .retryPolicy(RetryPolicy.custom().maxAttempts(10).initialBackoff(Duration.ofMillis(20)).jitter(0)
                        .build());
    }

    /**
     * Keel read the group's limit (5) when the subscription started; an operator lowers it to 2 while it runs. The
     * broker applies the new limit at once, so the second delivery is the last: Keel must dead-letter it there, not
     * hand it back (the broker would archive it, unread and without its cause).
     */
    @Test
    void aDeliveryLimitLoweredWhileTheSubscriptionRunsShouldStillEndInADeadLetterWithItsCause() throws Exception {
        String shareGroup = KafkaAdapter.shareGroupId(group);
        KafkaTestSupport.alterShareGroup(bootstrap, shareGroup, Map.of("share.delivery.count.limit", "5"));
        Keel keel = keel();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        keel.subscribe(shared().build(), d -> {
            attempts.add(d.attempt());
            throw new IllegalStateException("always fails: " + d.id());
        });

        KafkaTestSupport.alterShareGroup(bootstrap, shareGroup, Map.of("share.delivery.count.limit", "2"));
        keel.publisher().publish(topic, Message.builder("poison", Codec.utf8()).id("poison").build());

        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> !keel.deadLetters(topic, group)
                    .list(DeadLetterFilter.all()).isEmpty());
        } finally {
            System.out.println("attempts of the failing message: " + attempts);
        }
        DeadLetter letter = keel.deadLetters(topic, group).list(DeadLetterFilter.all()).get(0);
        assertThat(letter.id()).isEqualTo("poison");
        assertThat(letter.attempts()).isEqualTo(2);
        assertThat(letter.causeMessage()).isEqualTo("always fails: poison");
        assertThat(attempts).containsExactly(1, 2);
    }
}
