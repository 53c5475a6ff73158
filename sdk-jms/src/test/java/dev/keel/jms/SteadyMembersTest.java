package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two members of a group that stay: once the second has joined, no message goes back to the broker, so each is
 * delivered once (attempt 1). On ActiveMQ Classic each member hands its message groups back when another joins;
 * before, a member that closed and reopened its consumer for that looked to the other like a member joining, and the
 * two handed their groups back to each other without end (about 40 times a second), every message they had received
 * but not started delivered again each time.
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ})
class SteadyMembersTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int MESSAGES = 300;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void twoMembersThatStayShouldGetEachMessageOnceAtItsFirstAttempt(JmsLine line) {
        String topic = UniqueNames.of("jms-steady");
        Keel first = keel(line);
        Keel second = keel(line);
        first.ensureTopology(TopicSpec.builder(topic).partitions(8).group("g").build());
        Map<String, Integer> attempts = new ConcurrentHashMap<>();
        for (Keel member : List.of(first, second)) {
            closeables.add(member.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8()).lanes(4)
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> {
                        Thread.sleep(2); // a handler that takes a moment, so each member holds received messages
                        attempts.merge(d.id(), d.attempt(), Math::max);
                    }));
        }
        // the join's hand-back is over once a message published after both subscribed has run
        first.publisher(topic, Codec.utf8()).message("settled").id("settled").key("k").publish();
        await().atMost(WAIT).until(() -> attempts.containsKey("settled"));

        for (int i = 0; i < MESSAGES; i++) {
            first.publisher(topic, Codec.utf8()).message(Integer.toString(i)).id("m-" + i).key("k-" + (i % 40))
                    .publish();
        }

        await().atMost(WAIT).until(() -> attempts.size() == MESSAGES + 1);
        assertThat(attempts).as("messages delivered more than once by members that stayed")
                .allSatisfy((id, attempt) -> assertThat(attempt).as(id).isEqualTo(1));
    }

    private Keel keel(JmsLine line) {
        BrokerAdapter adapter = line.adapter();
        closeables.add(adapter);
        Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        closeables.add(keel);
        return keel;
    }
}
