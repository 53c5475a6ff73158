package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.ClosedException;
import dev.keel.TopicSpec;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * docs/rabbitmq.md: {@code producer.close()} waits up to {@code closeTimeout} for outstanding confirms, then fails the
 * rest with {@link ClosedException}; when it returns every future is complete.
 */
@UsesBrokers(BrokerKind.RABBIT)
class ProducerCloseTest {

    @Test
    void aPublishStillUnconfirmedAtTheCloseTimeoutShouldFailWithClosedEvenIfItsChannelIsThenHeardAsLost()
            throws Exception {
        try (ProducerOnFakeChannel p = new ProducerOnFakeChannel()) {
            FakeChannel fake = new FakeChannel();
            // the connection's thread hears the channel go down before the close's answer (its socket closed)
            fake.onClose = fake::lost;
            PendingPublish unconfirmed = ProducerOnFakeChannel.publish(p.install(fake), "m-1");

            p.producer.close();

            assertThat(unconfirmed.future()).isDone();
            assertThat(causeOf(unconfirmed.future())).isInstanceOf(ClosedException.class);
        }
    }

    @Test
    void aCloseShouldWaitForThePublishesOfAChannelLostJustBeforeAPublishReplacedIt() throws Exception {
        try (ProducerOnFakeChannel p = new ProducerOnFakeChannel()) {
            String topic = UniqueNames.of("close-lost-channel");
            p.admin.ensure(TopicSpec.builder(topic).partitions(1).group("g").build());
            try {
                FakeChannel fake = new FakeChannel();
                PendingPublish pending = ProducerOnFakeChannel.publish(p.install(fake), "m-1");
                // the channel is closed, but the connection's thread has not yet told it (its publishes not failed)
                fake.open = false;
                // the next publish replaces it in the pool with a channel of the real connection
                OutboundRecord next = new OutboundRecord(topic, "m-2", null, Map.of(), new byte[] {1}, Instant.now());
                assertThat(p.producer.send(next).toCompletableFuture().join()).isNotNull();

                p.producer.close();

                assertThat(pending.future()).as("every future is complete when the close returns").isDone();
            } finally {
                p.admin.delete(topic);
            }
        }
    }

    @Test
    void aCloseShouldNotCutAHealthyConnectionBecauseAChannelIsBeingOpened() throws Exception {
        try (ProducerOnFakeChannel p = new ProducerOnFakeChannel()) {
            com.rabbitmq.client.Connection before = p.connection.get();
            // a publish is opening a channel on that connection at the moment of the close
            p.setInProducer("openingSinceNanos", System.nanoTime());
            p.setInProducer("openingChannel", true);

            p.producer.close();

            assertThat(before.isOpen()).as("the connection was not cut").isTrue();
            assertThat(p.connection.get()).isSameAs(before);
        }
    }

    @Test
    void aCloseShouldWaitForTheFailuresOfAChannelLostWhileTheyAreBeingHandedOver() throws Exception {
        try (ProducerOnFakeChannel p = new ProducerOnFakeChannel()) {
            String topic = UniqueNames.of("close-handing-over");
            p.admin.ensure(TopicSpec.builder(topic).partitions(1).group("g").build());
            CountDownLatch handingOver = new CountDownLatch(1);
            CountDownLatch mayHandOver = new CountDownLatch(1);
            try {
                FakeChannel fake = new FakeChannel();
                PendingPublish pending = ProducerOnFakeChannel.publish(p.install(fake, task -> {
                    if (Thread.currentThread().getName().equals("fake-connection-thread")) {
                        handingOver.countDown();
                        awaitQuietly(mayHandOver);
                    }
                    p.completions.execute(task);
                }), "m-1");
                // the connection's thread takes the lost channel's publishes out and is held before handing them over
                new Thread(fake::lost, "fake-connection-thread").start();
                assertThat(handingOver.await(10, TimeUnit.SECONDS)).isTrue();
                // a publish replaces the channel meanwhile, then the producer closes
                OutboundRecord next = new OutboundRecord(topic, "m-2", null, Map.of(), new byte[] {1}, Instant.now());
                CompletableFuture<Void> closed = new CompletableFuture<>();
                Thread sender = new Thread(() -> {
                    p.producer.send(next).toCompletableFuture().join();
                    p.producer.close();
                    closed.complete(null);
                }, "sender");
                sender.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> closed.isDone()
                        || sender.getState() == Thread.State.BLOCKED);
                boolean returnedEarly = closed.isDone() && !pending.future().isDone();
                mayHandOver.countDown();
                closed.get(30, TimeUnit.SECONDS);

                assertThat(returnedEarly).as("the close returned before the lost channel's publish failed").isFalse();
                assertThat(pending.future()).isDone();
            } finally {
                mayHandOver.countDown();
                p.admin.delete(topic);
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Throwable causeOf(CompletableFuture<?> future) {
        return future.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join();
    }
}
