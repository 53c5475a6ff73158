package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.testkit.Crash;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Under EFFECTIVELY_ONCE a key's next message starts only once the previous one is marked done, so
 * when marking done fails (a slow or half-down store) a crash repeats at most one message per key,
 * never several and never out of order. The lane itself moves on to other keys' messages meanwhile.
 */
class DoneBeforeNextOfKeyTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "done-first";
    private static final String GROUP = "g";
    private static final List<String> KEYS = List.of("k", "j");
    private static final int PER_KEY = 5;

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final MutableClock storeClock = new MutableClock();
    /** The store's data, shared by both consumers as a real store would be; each reaches it through its own wrapper. */
    private final InMemoryIdempotencyStore shared = new InMemoryIdempotencyStore(storeClock);
    private final List<String> effects = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void aKeysNextMessageShouldWaitUntilThePreviousIsMarkedDoneSoACrashRepeatsAtMostOnePerKey() {
        FaultyIdempotencyStore failing = new FaultyIdempotencyStore(shared);
        failing.failCompletions();
        Keel first = Keel.builder(broker.connect()).idempotencyStore(failing).build();
        first.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build(),
                TopicSpec.builder(TOPIC + ".DLT").partitions(1).group("ops").build());
        List<Message> messages = new ArrayList<>();
        for (int i = 1; i <= PER_KEY; i++) {
            for (String key : KEYS) {
                messages.add(Message.builder(("m" + i).getBytes()).id(key + "-" + i).key(key).build());
            }
        }
        first.publisher().publishAll(TOPIC, messages);

        // one lane: both keys share it, so the second key's first message runs only if the lane moved on
        Subscription crashing = first.subscribe(config(), d -> effects.add(d.id()));
        await().atMost(PATIENCE).until(() -> failing.rejectedCalls() >= 3);
        assertThat(List.copyOf(effects))
                .as("while marking done keeps failing, each key ran only its first message; the lane moved on to "
                        + "the other key")
                .containsExactlyInAnyOrder("k-1", "j-1");

        Crash.crash(crashing).toCompletableFuture().join();
        first.close();
        storeClock.advance(Duration.ofMinutes(10)); // the crashed consumer's claims expire (past the default lease)
        FaultyIdempotencyStore healthy = new FaultyIdempotencyStore(shared);
        try (Keel successor = Keel.builder(broker.connect()).idempotencyStore(healthy).build()) {
            successor.subscribe(config(), d -> effects.add(d.id()));
            await().atMost(PATIENCE).until(() -> healthy.completedIds().size() == messages.size()
                    && broker.committedOffsets(TOPIC, GROUP).get(0) == messages.size());
        }

        Map<String, Long> perId = effects.stream().collect(Collectors.groupingBy(Function.identity(),
                Collectors.counting()));
        assertThat(perId).as("every message took effect").hasSize(messages.size());
        assertThat(perId.values()).as("no effect repeated more than once").allMatch(n -> n <= 2);
        assertThat(effects.size() - messages.size()).as("the crash repeated one message per key, not all "
                + "claimed ones").isLessThanOrEqualTo(KEYS.size());
        for (String key : KEYS) {
            List<String> ofKey = effects.stream().filter(id -> id.startsWith(key + "-")).toList();
            List<String> collapsed = new ArrayList<>();
            ofKey.forEach(id -> {
                if (collapsed.isEmpty() || !collapsed.get(collapsed.size() - 1).equals(id)) {
                    collapsed.add(id);
                }
            });
            assertThat(collapsed).as("key %s's effects in order, a repeat only right after itself (never m1, m2, m1)",
                    key).containsExactlyElementsOf(IntStream.rangeClosed(1, PER_KEY).mapToObj(i -> key + "-" + i)
                    .toList());
        }
    }

    private static SubscriptionConfig<byte[]> config() {
        return SubscriptionConfig.builder(TOPIC, GROUP, Codec.bytes()).lanes(1).build();
    }
}
