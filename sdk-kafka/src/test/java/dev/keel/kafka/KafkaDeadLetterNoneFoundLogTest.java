package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.DeadLetters;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A dead-letter listing or re-drive that finds none of its group's letters says, at INFO, which letters it cannot see
 * (those a reader of the group consumed), but only when it read a dead-letter topic: when that topic does not exist
 * yet, no letter was ever written and the hint would mislead.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDeadLetterNoneFoundLogTest {

    private static final String GROUP = "billing";
    private static final String HINT = "found no dead letter of the group";

    private final String topic = KafkaTestSupport.unique("dlt-none");
    private KafkaAdapter adapter;
    private Keel keel;
    private InMemoryIdempotencyStore store;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers()).build());
        store = new InMemoryIdempotencyStore();
        keel = Keel.builder(adapter).idempotencyStore(store).build();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
    }

    @AfterEach
    void close() {
        keel.close();
        store.close();
        adapter.close();
    }

    @Test
    void readsOfADeadLetterTopicThatDoesNotExistShouldFindNothingAndGiveNoHint() {
        DeadLetters deadLetters = keel.deadLetters(topic, GROUP).withQuietPeriod(Duration.ofSeconds(1));
        try (CapturedLog log = CapturedLog.start()) {
            assertThat(deadLetters.list(DeadLetterFilter.all())).isEmpty();
            assertThat(deadLetters.redrive(DeadLetterFilter.all(), RedriveListener.NONE))
                    .isEqualTo(new RedriveResult(0, 0, 0, 0));

            assertThat(log.linesContaining(HINT)).as("no hint about consumed letters: no letter was ever written")
                    .isZero();
        }
    }

    @Test
    void readsOfAnExistingDeadLetterTopicWithoutTheGroupsLettersShouldSayWhichLettersTheyCannotSee() {
        keel.ensureTopology(TopicSpec.builder(topic + ".DLT").partitions(1).build());
        DeadLetters deadLetters = keel.deadLetters(topic, GROUP).withQuietPeriod(Duration.ofSeconds(1));
        try (CapturedLog log = CapturedLog.start()) {
            assertThat(deadLetters.list(DeadLetterFilter.all())).isEmpty();
            deadLetters.redrive(DeadLetterFilter.all(), RedriveListener.NONE);

            assertThat(log.linesContaining("INFO", HINT, topic + ".DLT", "group " + GROUP,
                    "(0 letter(s) of other groups)", "If a subscription", "group of their own"))
                    .as("the listing's and the re-drive's hint, with the other groups' letters counted").isEqualTo(2);
        }
    }
}
