package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.TopicSpec;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A topic's record is read by taking its messages, which a reader holds until it is done: without the read lock
 * ({@code T.keel-reading}) readers of other processes running at once each saw a part of it. Seen by a review: other
 * processes' describes listed 0 to 11 of 12 groups, and a delete among them left five groups' queues behind.
 */
@UsesBrokers(BrokerKind.RABBIT)
class ConcurrentRecordReadersTest {

    private static final int GROUPS = 8;
    private static final int READERS = 4;

    @Test
    void describesAndADeleteAmongOtherProcessesReadersShouldEachSeeTheWholeRecord() throws Exception {
        RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
        String topic = RabbitTestSupport.unique("readers");
        TopicSpec.Builder spec = TopicSpec.builder(topic).partitions(1);
        for (int i = 0; i < GROUPS; i++) {
            spec.group("g" + i);
        }
        List<Integer> seen = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean deleting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        try (RabbitAdapter admin = new RabbitAdapter(RabbitTestSupport.config().build());
             RabbitAdapter one = new RabbitAdapter(RabbitTestSupport.config().build());
             RabbitAdapter two = new RabbitAdapter(RabbitTestSupport.config().build())) {
            admin.ensureTopology(spec.build());
            List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                RabbitAdapter reader = i % 2 == 0 ? one : two;
                Thread thread = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            boolean before = !deleting.get();
                            Optional<TopicSpec> described = reader.describeTopology(topic);
                            if (before && !deleting.get()) { // not overlapping the delete
                                seen.add(described.map(s -> s.groups().size()).orElse(-1));
                            }
                        } catch (RuntimeException e) {
                            if (!deleting.get()) {
                                failures.add(e);
                            }
                        }
                    }
                }, "record-reader-" + i);
                readers.add(thread);
                thread.start();
            }
            try {
                for (int i = 0; i < 40; i++) {
                    seen.add(admin.describeTopology(topic).map(s -> s.groups().size()).orElse(-1));
                }
                deleting.set(true);
                admin.deleteTopology(topic);
            } finally {
                stop.set(true);
                for (Thread reader : readers) {
                    reader.join(120_000);
                }
            }
        }
        assertThat(failures).as("describes that failed before the delete").isEmpty();
        assertThat(seen).as("groups per describe before the delete").hasSizeGreaterThan(40)
                .allSatisfy(groups -> assertThat(groups).isEqualTo(GROUPS));
        assertThat(DeleteDelayedTopicTest.queuesOf(rabbit, topic)).as("queues left after the delete").isEmpty();
        assertThat(DeleteDelayedTopicTest.exchangesOf(rabbit, topic)).as("exchanges left after the delete").isEmpty();
    }
}
