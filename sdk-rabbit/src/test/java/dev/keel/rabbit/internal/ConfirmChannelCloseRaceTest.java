package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A close racing the connection's thread failing or confirming the same pending publishes: once the close and a
 * wait for the completions returned, every publish has failed or is confirmed. The connection's thread is held between taking the publishes out
 * and handing their failures over, where a close found none pending and returned before they failed (seen as a flaky
 * {@code BlockedPublishingTest}). A channel of the test's own ({@link FakeChannel}) stands in for RabbitMQ's, to hold
 * that thread there.
 */
class ConfirmChannelCloseRaceTest {

    @Test
    void aCloseWhileTheConnectionsThreadFailsThePendingPublishesShouldReturnOnlyOnceTheyFailed() throws Exception {
        FakeChannel fake = new FakeChannel();
        ExecutorService completionThread = Executors.newSingleThreadExecutor();
        CountDownLatch handingOver = new CountDownLatch(1);
        CountDownLatch mayHandOver = new CountDownLatch(1);
        String connectionThread = "fake-connection-thread";
        try {
            ConfirmChannel confirms = ConfirmChannel.open(fake.channel, 10, task -> {
                if (Thread.currentThread().getName().equals(connectionThread)) {
                    handingOver.countDown();
                    awaitQuietly(mayHandOver);
                }
                completionThread.execute(task);
            }, cause -> { }, () -> { });
            PendingPublish publish = new PendingPublish("t", "x", "m-1", 0, 1);
            confirms.publish("x", "k", new AMQP.BasicProperties(), new byte[] {1}, publish, Duration.ofSeconds(5));
            assertThat(publish.future()).isNotDone();

            Thread lost = new Thread(fake::lost, connectionThread);
            lost.start();
            assertThat(handingOver.await(10, TimeUnit.SECONDS)).isTrue();
            // the close, on another thread, while the connection's thread holds the publishes it took out
            CompletableFuture<Void> closed = new CompletableFuture<>();
            Thread closer = new Thread(() -> {
                confirms.close();
                CompletableFuture.runAsync(() -> { }, completionThread).join(); // the producer's wait for completions
                closed.complete(null);
            }, "closer");
            closer.start();
            // it returned, or it waits for the lock the connection's thread holds
            await().atMost(Duration.ofSeconds(10)).until(() -> closed.isDone()
                    || closer.getState() == Thread.State.BLOCKED);
            boolean doneBeforeHandOver = closed.isDone();
            boolean failedByThen = publish.future().isDone();
            mayHandOver.countDown();
            closed.get(10, TimeUnit.SECONDS);
            lost.join(10_000);

            assertThat(!doneBeforeHandOver || failedByThen)
                    .as("the close returned before the publish failed").isTrue();
            assertThat(publish.future()).isCompletedExceptionally();
        } finally {
            mayHandOver.countDown();
            completionThread.shutdown();
        }
    }

    @Test
    void aCloseWhileTheConnectionsThreadHandsAConfirmOverShouldReturnOnlyOnceThePublishIsConfirmed() throws Exception {
        FakeChannel fake = new FakeChannel();
        ExecutorService completionThread = Executors.newSingleThreadExecutor();
        CountDownLatch handingOver = new CountDownLatch(1);
        CountDownLatch mayHandOver = new CountDownLatch(1);
        String connectionThread = "fake-connection-thread";
        try {
            ConfirmChannel confirms = ConfirmChannel.open(fake.channel, 10, task -> {
                if (Thread.currentThread().getName().equals(connectionThread)) {
                    handingOver.countDown();
                    awaitQuietly(mayHandOver);
                }
                completionThread.execute(task);
            }, cause -> { }, () -> { });
            PendingPublish publish = new PendingPublish("t", "x", "m-1", 0, 1);
            confirms.publish("x", "k", new AMQP.BasicProperties(), new byte[] {1}, publish, Duration.ofSeconds(5));

            Thread confirming = new Thread(() -> {
                try {
                    fake.acks.get().handle(1, false);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, connectionThread);
            confirming.start();
            assertThat(handingOver.await(10, TimeUnit.SECONDS)).isTrue();
            // the producer's close: its wait for the confirms finds none pending, then it closes and awaits completions
            CompletableFuture<Void> closed = new CompletableFuture<>();
            Thread closer = new Thread(() -> {
                try {
                    confirms.awaitSettled(Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                confirms.close();
                CompletableFuture.runAsync(() -> { }, completionThread).join();
                closed.complete(null);
            }, "closer");
            closer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> closed.isDone()
                    || closer.getState() == Thread.State.BLOCKED);
            boolean doneBeforeHandOver = closed.isDone();
            boolean settledByThen = publish.future().isDone();
            mayHandOver.countDown();
            closed.get(10, TimeUnit.SECONDS);
            confirming.join(10_000);

            assertThat(!doneBeforeHandOver || settledByThen)
                    .as("the close returned before the publish's confirm was handed over").isTrue();
            assertThat(publish.future()).isCompleted();
        } finally {
            mayHandOver.countDown();
            completionThread.shutdown();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
