package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import dev.keel.SharedChannelClosedException;
import dev.keel.UnroutableException;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client marks a channel RabbitMQ closed as closed before its connection's thread calls the channel's shutdown
 * listeners: a publisher can find it closed first. On a real broker, with that thread held before it tells, the
 * publishes pending beside a refused one must still fail as the refusal says, not as a lost channel (counted against
 * their topics' breakers: under load in CI a burst of refused publishes so opened the breaker of a topic the user may
 * write, {@code AccessRefusedTest}).
 */
@UsesBrokers(BrokerKind.RABBIT)
class ConfirmChannelShutdownHeardLateTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final CountDownLatch connectionThreadMayTell = new CountDownLatch(1);
    private Connection connection;
    private ExecutorService completions;
    private String exchange;

    @BeforeEach
    void open() throws Exception {
        connection = new Connector(RabbitConfig.custom().uri(Brokers.rabbit().uri()).connectionName("keel-test")
                .build()).open("confirm-channel-heard-late-test", false);
        completions = Executors.newSingleThreadExecutor();
        exchange = UniqueNames.of("heard-late");
        try (Channel admin = connection.createChannel()) {
            admin.exchangeDeclare(exchange, BuiltinExchangeType.DIRECT, false, true, Map.of());
            admin.queueBind(admin.queueDeclare().getQueue(), exchange, "0");
        }
    }

    @AfterEach
    void close() throws Exception {
        connectionThreadMayTell.countDown();
        connection.close();
        completions.shutdown();
    }

    @Test
    void publishesBesideARefusedOneShouldFailAsItsNeighboursWhenTheyFindTheChannelClosedBeforeItsShutdownIsTold()
            throws Exception {
        Channel channel = connection.createChannel();
        // registered before the confirm channel's own listener: holds the connection's thread before it tells
        channel.addShutdownListener(cause -> awaitQuietly(connectionThreadMayTell));
        List<ShutdownSignalException> ownerHeard = new CopyOnWriteArrayList<>();
        AtomicBoolean writeOnceClosed = new AtomicBoolean();
        ConfirmChannel confirms = ConfirmChannel.open(channel, 1000, completions, ownerHeard::add, () -> {
            if (writeOnceClosed.get()) {
                await().atMost(WAIT).until(() -> !channel.isOpen());
            }
        });
        String missing = UniqueNames.of("missing");
        CompletableFuture<PublishReceipt> refused = publish(confirms, missing, "refused");
        AtomicBoolean ownerHeardFirst = new AtomicBoolean();
        refused.whenComplete((r, e) -> ownerHeardFirst.set(!ownerHeard.isEmpty()));
        writeOnceClosed.set(true);
        CompletableFuture<PublishReceipt> thrownByTheClient = publish(confirms, exchange, "beside");
        CompletableFuture<PublishReceipt> foundClosed = publish(confirms, exchange, "after");

        assertThat(refused).failsWithin(WAIT).withThrowableOfType(ExecutionException.class).havingCause()
                .isInstanceOf(UnroutableException.class).withMessageContaining(missing)
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        for (CompletableFuture<PublishReceipt> beside : List.of(thrownByTheClient, foundClosed)) {
            assertThat(beside).failsWithin(WAIT).withThrowableOfType(ExecutionException.class).havingCause()
                    .isInstanceOf(SharedChannelClosedException.class).withMessageContaining(missing);
        }
        assertThat(ownerHeardFirst).as("the owner heard the shutdown before the refused publish failed").isTrue();
        connectionThreadMayTell.countDown();
        await().atMost(WAIT).until(() -> confirms.closed() && confirms.settledAll());
        assertThat(ownerHeard).as("heard once").hasSize(1);
        assertThat(confirms.pendingCount()).isZero();
    }

    private static CompletableFuture<PublishReceipt> publish(ConfirmChannel confirms, String exchange, String id) {
        byte[] payload = "payload".getBytes(StandardCharsets.UTF_8);
        PendingPublish pending = new PendingPublish("topic", exchange, id, 0, payload.length);
        confirms.publish(exchange, "0", new AMQP.BasicProperties.Builder().messageId(id).deliveryMode(2).build(),
                payload, pending, Duration.ofSeconds(5));
        return pending.future();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
