package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A lane channel on a real broker, with a slow ack write injected between the client and the broker. */
@UsesBrokers(BrokerKind.RABBIT)
class LaneChannelTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private Connection connection;
    private ScheduledExecutorService scheduler;
    private String queue;

    @BeforeEach
    void open() throws Exception {
        connection = new Connector(RabbitConfig.custom().uri(Brokers.rabbit().uri()).connectionName("keel-test")
                .build()).open("lane-channel-test", false);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        queue = UniqueNames.of("lane");
        try (Channel admin = connection.createChannel()) {
            admin.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
            admin.confirmSelect();
            for (int i = 0; i < 3; i++) {
                admin.basicPublish("", queue, new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
                        ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            admin.waitForConfirmsOrDie(10_000);
        }
    }

    @AfterEach
    void close() throws Exception {
        try (Channel admin = connection.createChannel()) {
            admin.queueDelete(queue);
        }
        connection.close();
        scheduler.shutdownNow();
    }

    @Test
    void acksQueuedByAnotherThreadJustBeforeCloseShouldBeApplied() throws Exception {
        CountDownLatch ackWriting = new CountDownLatch(1);
        CountDownLatch releaseAck = new CountDownLatch(1);
        List<Long> tags = new CopyOnWriteArrayList<>();
        LaneChannel lane = LaneChannel.open(slowFirstAck(connection, ackWriting, releaseAck), 0, queue, 10,
                (l, envelope, properties, body) -> {
                    l.acks().delivered(envelope.getDeliveryTag());
                    tags.add(envelope.getDeliveryTag());
                }, lost -> { });
        await().atMost(WAIT).until(() -> tags.size() == 3);
        AckBatcher acks = lane.acks();
        long epoch = acks.epoch();

        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> acks.ack(epoch, tags.get(0)));
        assertThat(ackWriting.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue(); // that thread is sending
        acks.ack(epoch, tags.get(1)); // queued for the sending thread to take along
        acks.ack(epoch, tags.get(2));
        CompletableFuture<Void> closed = lane.close(scheduler, Lanes.SETTLE_GRACE);
        releaseAck.countDown();
        first.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        List<String> redelivered = new CopyOnWriteArrayList<>();
        try (Channel channel = connection.createChannel()) {
            channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                                           byte[] body) {
                    redelivered.add(new String(body, StandardCharsets.UTF_8));
                }
            });
            // nothing may come back: the queue stays empty for a while (fails at the first redelivery)
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(redelivered).as("messages acknowledged before the close, redelivered").isEmpty());
        }
    }

    /** The real connection, whose channels' first {@code basicAck} waits for {@code release} (a slow ack write). */
    private static Connection slowFirstAck(Connection real, CountDownLatch writing, CountDownLatch release) {
        return proxy(Connection.class, real, (proxy, method, args) -> {
            Object result = invoke(real, method, args);
            if (method.getName().equals("createChannel") && result instanceof Channel channel) {
                return proxy(Channel.class, channel, (p, m, a) -> {
                    if (m.getName().equals("basicAck") && writing.getCount() > 0) {
                        writing.countDown();
                        release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    return invoke(channel, m, a);
                });
            }
            return result;
        });
    }

    private static <T> T proxy(Class<T> type, T real, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
