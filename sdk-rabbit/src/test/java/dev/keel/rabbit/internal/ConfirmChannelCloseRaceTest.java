package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A close racing the connection's thread failing the same pending publishes: once the close and a wait for the
 * completions returned, every publish has failed. The connection's thread is held between taking the publishes out
 * and handing their failures over, where a close found none pending and returned before they failed (seen as a flaky
 * {@code BlockedPublishingTest}). A channel of the test's own stands in for RabbitMQ's, to hold that thread there.
 */
class ConfirmChannelCloseRaceTest {

    @Test
    void aCloseWhileTheConnectionsThreadFailsThePendingPublishesShouldReturnOnlyOnceTheyFailed() throws Exception {
        AtomicReference<ShutdownListener> shutdownListener = new AtomicReference<>();
        Channel channel = channel(shutdownListener);
        ExecutorService completionThread = Executors.newSingleThreadExecutor();
        CountDownLatch handingOver = new CountDownLatch(1);
        CountDownLatch mayHandOver = new CountDownLatch(1);
        String connectionThread = "fake-connection-thread";
        try {
            ConfirmChannel confirms = ConfirmChannel.open(channel, 10, task -> {
                if (Thread.currentThread().getName().equals(connectionThread)) {
                    handingOver.countDown();
                    awaitQuietly(mayHandOver);
                }
                completionThread.execute(task);
            }, cause -> { }, () -> { });
            PendingPublish publish = new PendingPublish("t", "x", "m-1", 0, 1);
            confirms.publish("x", "k", new AMQP.BasicProperties(), new byte[] {1}, publish, Duration.ofSeconds(5));
            assertThat(publish.future()).isNotDone();

            Thread lost = new Thread(() -> shutdownListener.get().shutdownCompleted(
                    new ShutdownSignalException(true, false, null, "the socket closed")), connectionThread);
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

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A channel that takes publishes and never confirms them; its shutdown listener is kept for the test to call. */
    private static Channel channel(AtomicReference<ShutdownListener> shutdownListener) {
        long[] seq = {1};
        return (Channel) Proxy.newProxyInstance(Channel.class.getClassLoader(), new Class<?>[] {Channel.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "addShutdownListener" -> {
                        shutdownListener.set((ShutdownListener) args[0]);
                        yield null;
                    }
                    case "getNextPublishSeqNo" -> seq[0];
                    case "basicPublish" -> {
                        seq[0]++;
                        yield null;
                    }
                    case "isOpen" -> true;
                    case "getChannelNumber" -> 1;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "fake channel";
                    default -> nothing(method.getReturnType());
                });
    }

    /** What a method of the fake channel that the test does not need answers: nothing, or the type's zero. */
    private static Object nothing(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        return null;
    }
}
