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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A close racing the connection's thread failing or confirming the same pending publishes: once the close and a
 * wait for the completions returned, every publish has failed or is confirmed. The connection's thread is held between taking the publishes out
 * and handing their failures over, where a close found none pending and returned before they failed (seen as a flaky
 * {@code BlockedPublishingTest}). A channel of the test's own ({@link FakeChannel}) stands in for RabbitMQ's, to hold
 * that thread there.
 */
class ConfirmChannelCloseRaceTest {

    private static final String CONNECTION_THREAD = "fake-connection-thread";

    private final FakeChannel fake = new FakeChannel();
    private final ExecutorService completionThread = Executors.newSingleThreadExecutor();
    /** Counted down when the connection's thread hands its publishes' outcomes to the completions; then it waits. */
    private final CountDownLatch handingOver = new CountDownLatch(1);
    private final CountDownLatch mayHandOver = new CountDownLatch(1);

    @AfterEach
    void stop() {
        mayHandOver.countDown();
        completionThread.shutdown();
    }

    @Test
    void aCloseWhileTheConnectionsThreadFailsThePendingPublishesShouldReturnOnlyOnceTheyFailed() throws Exception {
        ConfirmChannel confirms = confirmChannel();
        PendingPublish publish = publish(confirms);

        boolean returnedEarly = closeWhileHeld(fake::lost, confirms, publish);

        assertThat(returnedEarly).as("the close returned before the publish failed").isFalse();
        assertThat(publish.future()).isCompletedExceptionally();
    }

    @Test
    void aCloseWhileTheConnectionsThreadHandsAConfirmOverShouldReturnOnlyOnceThePublishIsConfirmed() throws Exception {
        ConfirmChannel confirms = confirmChannel();
        PendingPublish publish = publish(confirms);

        boolean returnedEarly = closeWhileHeld(() -> {
            try {
                fake.acks.get().handle(1, false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, confirms, publish);

        assertThat(returnedEarly).as("the close returned before the publish's confirm was handed over").isFalse();
        assertThat(publish.future()).isCompleted();
    }

    /** A confirm channel on the fake, whose completions the connection's thread hands over only when let. */
    private ConfirmChannel confirmChannel() throws IOException {
        return ConfirmChannel.open(fake.channel, 10, task -> {
            if (Thread.currentThread().getName().equals(CONNECTION_THREAD)) {
                handingOver.countDown();
                awaitQuietly(mayHandOver);
            }
            completionThread.execute(task);
        }, cause -> { }, () -> { });
    }

    private static PendingPublish publish(ConfirmChannel confirms) {
        PendingPublish publish = new PendingPublish("t", "x", "m-1", 0, 1);
        confirms.publish("x", "k", new AMQP.BasicProperties(), new byte[] {1}, publish, Duration.ofSeconds(5));
        assertThat(publish.future()).isNotDone();
        return publish;
    }

    /**
     * Runs {@code connectionThreadWork} on the connection's thread until it hands the publish's outcome over, then the
     * producer's close on another (its wait for the confirms, the close, its wait for the completions), then lets the
     * hand-over go on. Answers whether the close returned before the publish was done.
     */
    private boolean closeWhileHeld(Runnable connectionThreadWork, ConfirmChannel confirms, PendingPublish publish)
            throws Exception {
        Thread connection = new Thread(connectionThreadWork, CONNECTION_THREAD);
        connection.start();
        assertThat(handingOver.await(10, TimeUnit.SECONDS)).isTrue();
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
        // it returned, or it waits for the lock the connection's thread holds
        await().atMost(Duration.ofSeconds(10)).until(() -> closed.isDone()
                || closer.getState() == Thread.State.BLOCKED);
        boolean returnedEarly = closed.isDone() && !publish.future().isDone();
        mayHandOver.countDown();
        closed.get(10, TimeUnit.SECONDS);
        connection.join(10_000);
        return returnedEarly;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
