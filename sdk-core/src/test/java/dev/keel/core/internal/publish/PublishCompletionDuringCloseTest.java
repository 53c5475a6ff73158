package dev.keel.core.internal.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.ClosedException;
import dev.keel.Codec;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A publish's completion that calls Keel while Keel closes (a callback that publishes again, as many do): it is
 * answered at once with {@link ClosedException}, and the close does not hold the thread that completes publishes.
 * Review of 2026-12-01: the close held the engine's lock while it waited for the pending publishes, so such a
 * callback held the broker client's confirm thread until the publish timeout, and the publishes behind it could not
 * be confirmed; and where the timeout's sweep completed the callback under its own lock, the close, waiting for that
 * lock, and the callback, waiting for the engine's, waited for each other for good.
 */
class PublishCompletionDuringCloseTest {

    private final DefaultPublisherTest.HeldProducer producer = new DefaultPublisherTest.HeldProducer();

    @Test
    void aCompletionThatCallsKeelWhileItClosesShouldBeAnsweredAtOnceAndLetThePublishesBehindItBeConfirmed()
            throws Exception {
        Keel keel = Keel.builder(new HeldAdapter(producer)).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().timeout(Duration.ofMinutes(5)).build()).build();
        CompletableFuture<PublishReceipt> first = keel.publisher("t", Codec.utf8()).message("a").key("k")
                .publishAsync().toCompletableFuture();
        CompletableFuture<PublishReceipt> behind = keel.publisher("t", Codec.utf8()).message("b").key("l")
                .publishAsync().toCompletableFuture();
        AtomicReference<Throwable> answer = new AtomicReference<>();
        first.whenComplete((receipt, error) -> {
            try {
                keel.publisher("t", Codec.utf8()).message("again").key("k").publishAsync();
                answer.set(new AssertionError("a closed Keel took a publish"));
            } catch (RuntimeException e) {
                answer.set(e);
            }
        });
        Thread closer = new Thread(keel::close, "closer");
        closer.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> waitsForThePublishes(closer));

        Thread confirms = new Thread(() -> {
            producer.confirm(0);
            producer.confirm(1);
        }, "confirm-thread");
        confirms.start();

        assertThat(behind).as("the publish behind the callback, confirmed by the broker while Keel closes")
                .succeedsWithin(Duration.ofSeconds(30));
        assertThat(answer.get()).isInstanceOf(ClosedException.class);
        closer.join(30_000);
        assertThat(closer.isAlive()).as("the close returned").isFalse();
    }

    private static boolean waitsForThePublishes(Thread closer) {
        return Arrays.stream(closer.getStackTrace()).anyMatch(f -> f.getClassName().endsWith("DefaultPublisher")
                && f.getMethodName().equals("close")) && closer.getState() == Thread.State.TIMED_WAITING;
    }

    private record HeldAdapter(BrokerProducer producer) implements BrokerAdapter {

        @Override
        public Set<Capability> capabilities() {
            return Set.of(Capability.CONSUMER_GROUPS);
        }

        @Override
        public void ensureTopology(TopicSpec topic) {
        }

        @Override
        public BrokerConsumer consumer(ConsumerSettings settings) {
            throw new UnsupportedOperationException("this test only publishes");
        }

        @Override
        public void close() {
        }
    }
}
