package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
    /** How long the group's other member holds partitions while a listing owns the others. */
    private static final Duration HOLD = Duration.ofSeconds(10);

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
            Subscription failing = deadLetterEverything(keel, topic, "g");
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

    /**
     * Another member of the group holds partitions of the dead-letter topic when a listing begins (a second reader, a
     * subscription on it); it leaves during the listing. The listing must not end at the end of the partitions it was
     * given first: it waits for the rest, and lists every letter.
     */
    @Test
    void aReadThatOwnsOnlySomePartitionsShouldWaitForTheRestAndListEveryLetter() throws Exception {
        String topic = KafkaTestSupport.unique("dlt-shared-end");
        String group = KafkaTestSupport.unique("g");
        String bootstrap = Brokers.kafka().bootstrapServers();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add("letter-" + i);
        }
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            keel.ensureTopology(TopicSpec.builder(topic + ".DLT").partitions(3).build());
            Subscription failing = deadLetterEverything(keel, topic, group);
            for (String id : ids) {
                keel.publisher(topic, Codec.utf8()).message("m").id(id).key(id).publish();
            }
            DeadLetters quick = keel.deadLetters(topic, group).withQuietPeriod(Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(60)).until(() -> quick.list(DeadLetterFilter.all()).size() == ids.size());
            failing.close();

            Set<TopicPartition> revoked = ConcurrentHashMap.newKeySet();
            CompletableFuture<List<DeadLetter>> listing;
            try (KafkaConsumer<byte[], byte[]> other = KafkaTestSupport.plainMember(bootstrap, group)) {
                other.subscribe(List.of(topic + ".DLT"), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        revoked.addAll(partitions);
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        other.pause(partitions); // holds them, reads nothing, commits nothing
                    }
                });
                await("the other member owns every partition").pollInSameThread().atMost(Duration.ofSeconds(60))
                        .until(() -> {
                            other.poll(Duration.ofMillis(100));
                            return other.assignment().size() == 3;
                        });
                DeadLetters patient = keel.deadLetters(topic, group).withQuietPeriod(Duration.ofSeconds(30));
                listing = CompletableFuture.supplyAsync(() -> patient.list(DeadLetterFilter.all()));
                await("the listing's consumer took partitions from the other member").pollInSameThread()
                        .atMost(Duration.ofSeconds(60)).until(() -> {
                            other.poll(Duration.ofMillis(100));
                            return listing.isDone() || !revoked.isEmpty() && bothMembersOwnPartitions(bootstrap, group);
                        });
                // the other member keeps the rest for a while: long enough for a read that would end at the end of
                // its own partitions to do so (the outcome checked below does not depend on this window's length)
                long holdUntil = System.nanoTime() + HOLD.toNanos();
                while (!listing.isDone() && System.nanoTime() < holdUntil) {
                    other.poll(Duration.ofMillis(100));
                }
            } // the other member leaves: its partitions go to the listing's consumer

            assertThat(listing.get(120, TimeUnit.SECONDS)).extracting(DeadLetter::id)
                    .as("letters listed while the group's other member held some partitions, then left")
                    .containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    /**
     * A dead-letter topic written without pause (a letter every few milliseconds): the read never saw nothing arrive
     * for its quiet period, nor every partition's lag at nothing, and went on for as long as the writing did (an
     * adversarial review: 386 s and 58,227 letters in memory). It must end once it has read to where the topic ended
     * when it began, with every letter written before it.
     */
    @Test
    void aReadOfATopicWrittenWithoutPauseShouldEndWithEveryLetterWrittenBeforeIt() throws Exception {
        String topic = KafkaTestSupport.unique("dlt-busy-end");
        String bootstrap = Brokers.kafka().bootstrapServers();
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
             KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.plainProducer(bootstrap)) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
            keel.ensureTopology(TopicSpec.builder(topic + ".DLT").partitions(3).build());
            List<String> before = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                before.add("before-" + i);
                producer.send(letter(topic, "g", "before-" + i)).get(30, TimeUnit.SECONDS);
            }
            AtomicBoolean writing = new AtomicBoolean(true);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; writing.get(); ) {
                    java.util.concurrent.Future<?> last = null;
                    for (int n = 0; n < 500; n++, i++) { // bursts: never 50 ms without a letter, even on a busy machine
                        last = producer.send(letter(topic, "g", "during-" + i));
                    }
                    try {
                        last.get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            try {
                DeadLetters patient = keel.deadLetters(topic, "g").withQuietPeriod(LONG_QUIET);
                List<DeadLetter> listed = assertTimeoutPreemptively(Duration.ofSeconds(60),
                        () -> patient.list(DeadLetterFilter.all()),
                        "the listing of a topic written without pause did not end");

                assertThat(listed).extracting(DeadLetter::id).containsAll(before);
            } finally {
                writing.set(false);
                writer.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A dead letter of {@code group} for {@code topic} with id {@code id}, as Keel writes one. */
    private static ProducerRecord<byte[], byte[]> letter(String topic, String group, String id) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic + ".DLT", KafkaTestSupport.utf8(id),
                KafkaTestSupport.utf8("payload"));
        record.headers().add(KeelHeaders.ID, KafkaTestSupport.utf8(id));
        record.headers().add(KeelHeaders.DLT_GROUP, KafkaTestSupport.utf8(group));
        record.headers().add(KeelHeaders.DLT_ORIGIN_TOPIC, KafkaTestSupport.utf8(topic));
        record.headers().add(KeelHeaders.DLT_CAUSE_CLASS, KafkaTestSupport.utf8("java.lang.IllegalStateException"));
        record.headers().add(KeelHeaders.DLT_AT, KafkaTestSupport.utf8(Long.toString(System.currentTimeMillis())));
        return record;
    }

    /** Subscribes {@code group} with a handler that fails every message once: each is dead-lettered. */
    private static Subscription deadLetterEverything(Keel keel, String topic, String group) {
        return keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).retryPolicy(RetryPolicy.custom().maxAttempts(1).build())
                .build(), d -> {
                    throw new IllegalStateException("refused for the test");
                });
    }

    /** Whether the group has two members and each owns partitions (the listing's consumer and the plain member). */
    private static boolean bothMembersOwnPartitions(String bootstrap, String group) throws Exception {
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            Collection<MemberDescription> members = admin.describeConsumerGroups(List.of(group)).all().get()
                    .get(group).members();
            return members.size() == 2 && members.stream().noneMatch(m -> m.assignment().topicPartitions().isEmpty());
        }
    }
}
