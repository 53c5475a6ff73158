package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.NonRetriableException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetter;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A subscription that reads a dead-letter topic to alert on its letters, next to {@code keel.deadLetters(topic,
 * group)}: in the group that keeps the letters it consumes them (so no listing or re-drive finds them), which Keel
 * warns about once; in a group of its own it sees every letter and leaves them listable and re-drivable.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDeadLetterAlertingReaderTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String GROUP = "billing";
    private static final List<String> POISON = List.of("poison-1", "poison-2", "poison-3");

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("dlt-reader");
    private final String deadLetterTopic = topic + ".DLT";
    private final Set<String> handled = ConcurrentHashMap.newKeySet();
    private KafkaAdapter adapter;
    private InMemoryIdempotencyStore store;
    private Keel keel;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        store = new InMemoryIdempotencyStore();
        keel = Keel.builder(adapter).idempotencyStore(store).build();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
    }

    @AfterEach
    void close() {
        keel.close();
        store.close();
        adapter.close();
    }

    @Test
    void aReaderOfTheDeadLetterTopicInTheGroupThatKeepsItsLettersShouldBeWarnedOnceNamingTheFix() {
        Subscription subscription = subscribeFailingPoison();

        try (CapturedLog log = CapturedLog.start()) {
            readDeadLetters(GROUP, letter -> { }).close();
            readDeadLetters(GROUP, letter -> { }).close();

            assertThat(log.linesContaining("WARN", deadLetterTopic, "group " + GROUP, "group of its own"))
                    .as("one WARN naming the dead-letter topic, the group and the fix").isEqualTo(1);
        }
        subscription.close();
    }

    @Test
    void aReaderInAGroupOfItsOwnShouldSeeEveryLetterAndLeaveThemListableAndRedrivable() {
        Subscription subscription = subscribeFailingPoison();
        Set<String> alerted = ConcurrentHashMap.newKeySet();
        Subscription reader;
        try (CapturedLog log = CapturedLog.start()) {
            reader = readDeadLetters(GROUP + "-dlt-alerts", letter -> alerted.add(letter.id()));
            assertThat(log.linesContaining("WARN", deadLetterTopic)).as("no warning for a group of its own").isZero();
        }
        TypedPublisher<String> publisher = keel.publisher(topic, Codec.utf8());
        for (String id : POISON) {
            publisher.message("p").id(id).key("k-" + id).publish();
        }
        publisher.message("o").id("ok-1").key("k-ok").publish();

        await().atMost(WAIT).until(() -> alerted.containsAll(POISON) && handled.contains("ok-1"));
        DeadLetters deadLetters = keel.deadLetters(topic, GROUP).withQuietPeriod(Duration.ofSeconds(3));
        assertThat(deadLetters.list(DeadLetterFilter.all())).as("listed while the alerting reader runs")
                .extracting(DeadLetter::id).containsExactlyInAnyOrderElementsOf(POISON);
        RedriveResult result = deadLetters.redrive(DeadLetterFilter.all(), RedriveListener.NONE);

        assertThat(result).isEqualTo(new RedriveResult(3, 3, 0, 0));
        await().atMost(WAIT).until(() -> handled.containsAll(POISON));
        reader.close();
        subscription.close();
    }

    /** The subscription of {@code GROUP}: dead-letters every poison message that is not a re-driven copy. */
    private Subscription subscribeFailingPoison() {
        return keel.subscribe(SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).build(), d -> {
            if (d.id().startsWith("poison") && !d.keelHeaders().containsKey(KeelHeaders.REDRIVEN_AT)) {
                throw new NonRetriableException("poison " + d.id());
            }
            handled.add(d.id());
        });
    }

    /** The alerting reader of the README: the dead-letter topic read with {@code DeadLetterPolicy.none()}. */
    private Subscription readDeadLetters(String group, dev.keel.MessageHandler<String> handler) {
        return keel.subscribe(SubscriptionConfig.builder(deadLetterTopic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).deadLetterPolicy(DeadLetterPolicy.none()).build(), handler);
    }
}
