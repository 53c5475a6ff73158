package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.ordering.Ordering;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A message whose done mark had not answered when its subscription's close timeout expired is named by the close's
 * WARN as one that runs again. When that done mark answers only after a successor ran the message (the lease lost),
 * the loss is counted, but not reported again as a new fault: a message the close named is logged at DEBUG. Found by an
 * outside probe: the late answer logged a second WARN ("another consumer may run it again") that read like a fault of
 * its own, after the successor had already run it.
 */
@Isolated // it reads System.err, where the logs of any class running beside it would go too
class DoneMarkAnsweredAfterCloseTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "late-done";
    private static final String GROUP = "g";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        store.close();
        broker.close();
    }

    @Test
    void aDoneMarkAnsweredAfterTheCloseAndTheSuccessorsRunShouldNotWarnAgain() throws Exception {
        CountDownLatch storeAnswers = new CountDownLatch(1);
        FaultyIdempotencyStore hanging = new FaultyIdempotencyStore(store);
        hanging.beforeNext(FaultyIdempotencyStore.Call.COMPLETE_ALL, () -> awaitQuietly(storeAnswers));
        SubscriptionConfig<String> config = SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.PER_KEY)
                .idempotencyPolicy(IdempotencyPolicy.custom().lease(Duration.ofSeconds(1))
                        .storeRetryInterval(Duration.ofMillis(100)).build())
                .closeTimeout(Duration.ofMillis(200)).build();
        PrintStream original = System.err;
        LinesOfErr err = new LinesOfErr(original);
        System.setErr(err);
        try (Keel first = Keel.builder(broker.connect()).idempotencyStore(hanging).metrics(new MicrometerMetrics(registry))
                     .build();
             Keel successor = Keel.builder(broker.connect()).idempotencyStore(store).build()) {
            first.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
            Subscription closing = first.subscribe(config, d -> effect(d.id()));
            first.publisher(TOPIC, Codec.utf8()).message("m").id("m1").key("k").publish();
            await().atMost(PATIENCE).until(() -> effects.containsKey("m1"));
            closing.close(Duration.ofMillis(200)); // m1's done mark hangs: the close names it as running again
            assertThat(err.containing("could not be marked done")).as("the close's WARN").hasSize(1);

            successor.subscribe(config, d -> effect(d.id()));
            await().atMost(PATIENCE).until(() -> effects.get("m1").get() == 2); // its lease expired: run again
            storeAnswers.countDown(); // the first done mark answers now: the lease was lost
            await().atMost(PATIENCE).until(() -> leasesLost() == 1);
        } finally {
            System.setErr(original);
        }
        assertThat(err.containing("was lost before it was marked done"))
                .as("WARN lines about the loss the close already reported").noneMatch(l -> l.contains("WARN"));
    }

    private double leasesLost() {
        Counter counter = registry.find("keel.lease_lost").counter();
        return counter == null ? 0 : counter.count();
    }

    private void effect(String id) {
        effects.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** System.err as slf4j-simple writes each line to it. */
    private static final class LinesOfErr extends PrintStream {
        private final List<String> lines = new CopyOnWriteArrayList<>();

        LinesOfErr(PrintStream original) {
            super(original, true);
        }

        @Override
        public void println(String text) {
            lines.add(text);
            super.println(text);
        }

        List<String> containing(String fragment) {
            return lines.stream().filter(l -> l.contains(fragment)).toList();
        }
    }
}
