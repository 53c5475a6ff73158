package dev.keel.kafka;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A rebalance of a consumer group held open for a test: a plain member of the group joins and then stops polling, so
 * it does not rejoin until {@link #endWhen} lets it; a second plain member joining starts the rebalance. The plain
 * members are cooperative-sticky like Keel's consumers and commit nothing.
 */
final class HeldRebalance implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private final String bootstrap;
    private final String group;
    private final String topic;
    private final List<KafkaConsumer<byte[], byte[]>> members = new ArrayList<>();
    private final AtomicBoolean joining = new AtomicBoolean(true);
    private KafkaConsumer<byte[], byte[]> stalled;
    private Thread newcomer;

    HeldRebalance(String bootstrap, String group, String topic) {
        this.bootstrap = bootstrap;
        this.group = group;
        this.topic = topic;
    }

    /** Joins the stalled member (it gets no partition: the owner keeps its own) and answers its assignment. */
    Set<TopicPartition> joinStalledMember() {
        stalled = member();
        AtomicBoolean joined = new AtomicBoolean();
        stalled.subscribe(Set.of(topic), new Joined(joined));
        await().atMost(WAIT).until(() -> {
            stalled.poll(Duration.ofMillis(100));
            return joined.get();
        });
        return stalled.assignment();
    }

    /** A newcomer joins and keeps polling: the group prepares a rebalance that waits for the stalled member. */
    void start() throws Exception {
        KafkaConsumer<byte[], byte[]> joiner = member();
        newcomer = new Thread(() -> {
            joiner.subscribe(Set.of(topic));
            while (joining.get()) {
                joiner.poll(Duration.ofMillis(100));
            }
        }, "newcomer");
        newcomer.start();
        await().atMost(WAIT).until(() -> state() == GroupState.PREPARING_REBALANCE);
    }

    /** The group's state, as its coordinator has it. */
    GroupState state() throws Exception {
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).groupState();
        }
    }

    /** Lets the stalled member rejoin, so the rebalance can end, until {@code done}; then the plain members leave. */
    void endWhen(BooleanSupplier done) throws InterruptedException {
        await().atMost(WAIT).until(() -> {
            stalled.poll(Duration.ofMillis(100));
            return done.getAsBoolean();
        });
        close();
    }

    @Override
    public void close() throws InterruptedException {
        joining.set(false);
        if (newcomer != null) {
            newcomer.join();
            newcomer = null;
        }
        members.forEach(KafkaConsumer::close); // they commit nothing (no auto commit)
        members.clear();
    }

    private KafkaConsumer<byte[], byte[]> member() {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) WAIT.toMillis());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        KafkaConsumer<byte[], byte[]> member = new KafkaConsumer<>(p);
        members.add(member);
        return member;
    }

    /** Says when the member's join completed (cooperative: called on every completed join, even with nothing). */
    private record Joined(AtomicBoolean joined) implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined.set(true);
        }
    }
}
