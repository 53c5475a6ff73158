package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.kafka.internal.ClientProperties;
import dev.keel.kafka.internal.DelayForwarder;
import dev.keel.kafka.internal.DelayForwarding;
import dev.keel.kafka.internal.DelayTopics;
import dev.keel.kafka.internal.ForwardingConsumer;
import dev.keel.kafka.internal.KafkaReceiver;
import dev.keel.kafka.internal.TopicAdmin;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A delay forwarder that stops on an unexpected error is replaced while its subscription runs (docs/kafka.md,
 * "Delayed delivery"): before, its poll thread logged the error and ended, and every delayed record of the topic
 * stayed in the delay topic until the application restarted. The fault: the first forwarder's clock throws once.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDelayForwarderRestartTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("restart");
    private final KafkaConfig config = KafkaTestSupport.config(bootstrap).build();
    private final KafkaAdapter publishing = new KafkaAdapter(config);
    private final TopicAdmin admin = new TopicAdmin(ClientProperties.admin(config), Duration.ofSeconds(10));
    private final DelayForwarding forwarding = new DelayForwarding(
            t -> admin.exists(DelayTopics.delayTopic(t)), Duration.ofMillis(500), new ScheduledThreadPoolExecutor(1));
    private ForwardingConsumer consumer;

    @AfterEach
    void close() {
        if (consumer != null) {
            consumer.close().toCompletableFuture().join();
        }
        forwarding.close();
        admin.close();
        publishing.close();
    }

    @Test
    void aForwarderStoppedByAnUnexpectedErrorShouldBeReplacedAndForwardWhatIsDue() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        AtomicInteger forwarders = new AtomicInteger();
        consumer = forwardingConsumer(() -> new DelayForwarder(config, topic, topic + ".DLT", admin,
                forwarders.incrementAndGet() == 1 ? new ThrowingOnce(3) : Clock.systemUTC()));
        RecordingSink sink = new RecordingSink();
        consumer.start(sink);

        publish("late", Duration.ofSeconds(3));

        await().atMost(WAIT).until(() -> sink.arrivals.containsKey("late"));
        assertThat(forwarders).as("a second forwarder replaced the one that failed").hasValueGreaterThanOrEqualTo(2);
    }

    /**
     * Review finding: a forwarder whose clients refuse their settings (a producer-only setting such as
     * {@code compression.type=bogus}) logged one ERROR and the subscription ran on, its delayed records never
     * delivered. It fails the subscription now, with the client's reason.
     */
    @Test
    void aForwarderWhoseClientRefusesItsSettingsShouldFailTheSubscription() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaConfig refused = KafkaTestSupport.config(bootstrap).property("compression.type", "bogus").build();
        consumer = forwardingConsumer(
                () -> new DelayForwarder(refused, topic, topic + ".DLT", admin, Clock.systemUTC()));
        RecordingSink sink = new RecordingSink();
        consumer.start(sink);

        publish("late", Duration.ofSeconds(3));

        await().atMost(WAIT).until(() -> sink.failure.get() != null);
        assertThat(sink.failure.get()).isInstanceOfSatisfying(KeelException.class,
                e -> assertThat(e.isRetriable()).isFalse()).hasMessageContaining("compression.type");
    }

    /** A forwarder that fails to start (not refused) is started again after the backoff, and forwards what is due. */
    @Test
    void aForwarderThatFailedToStartShouldBeStartedAgain() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        AtomicInteger starts = new AtomicInteger();
        consumer = forwardingConsumer(() -> {
            if (starts.incrementAndGet() == 1) {
                throw new IllegalStateException("injected: the first forwarder could not be made");
            }
            return new DelayForwarder(config, topic, topic + ".DLT", admin, Clock.systemUTC());
        });
        RecordingSink sink = new RecordingSink();
        consumer.start(sink);

        publish("late", Duration.ofSeconds(2));

        await().atMost(WAIT).until(() -> sink.arrivals.containsKey("late"));
        assertThat(starts).hasValueGreaterThanOrEqualTo(2);
        assertThat(sink.failure.get()).isNull();
    }

    /** A subscription of {@link #topic} in a new group whose delay forwarders {@code forwarders} makes. */
    private ForwardingConsumer forwardingConsumer(java.util.function.Supplier<DelayForwarder> forwarders) {
        return new ForwardingConsumer(new KafkaReceiver(config, new ConsumerSettings(topic,
                KafkaTestSupport.unique("g"), 100, Duration.ofSeconds(5))), topic, forwarders, forwarding);
    }

    private void publish(String id, Duration delay) {
        Instant due = Instant.now().plus(delay);
        publishing.producer().send(new OutboundRecord(topic, id, "k", Map.of(KeelHeaders.ID, id,
                KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli())), utf8(id), Instant.now(), due))
                .toCompletableFuture().join();
    }

    /** The system clock, but its {@code n}th reading throws (a defect in the forwarder's loop, as it looks there). */
    private static final class ThrowingOnce extends Clock {
        private final AtomicInteger readings = new AtomicInteger();
        private final int failing;

        ThrowingOnce(int failing) {
            this.failing = failing;
        }

        @Override
        public long millis() {
            if (readings.incrementAndGet() == failing) {
                throw new IllegalStateException("injected: the forwarder's loop failed");
            }
            return System.currentTimeMillis();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
