package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.keel.BrokerUnavailableException;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A publish the client refuses (after it has counted it in the channel's publish sequence) on a
 * real broker, below the producer's up-front checks: the channel must not be used again.
 */
@UsesBrokers(BrokerKind.RABBIT)
class ConfirmChannelTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The routing key of a queue that refuses every message. */
    private static final String FULL = "full";

    private Connection connection;
    private ExecutorService completions;
    private String exchange;

    @BeforeEach
    void open() throws Exception {
        connection = new Connector(RabbitConfig.custom().uri(Brokers.rabbit().uri()).connectionName("keel-test")
                .build()).open("confirm-channel-test", false);
        completions = Executors.newSingleThreadExecutor();
        exchange = UniqueNames.of("confirms");
        try (Channel admin = connection.createChannel()) {
            admin.exchangeDeclare(exchange, BuiltinExchangeType.DIRECT, false, true, Map.of());
            String queue = admin.queueDeclare().getQueue();
            admin.queueBind(queue, exchange, "0");
            // takes nothing: RabbitMQ nacks every publish routed to it
            String full = admin.queueDeclare("", false, true, true,
                    Map.of("x-max-length", 0, "x-overflow", "reject-publish")).getQueue();
            admin.queueBind(full, exchange, FULL);
        }
    }

    @AfterEach
    void close() throws Exception {
        connection.close();
        completions.shutdown();
    }

    @Test
    void aRefusedIdShouldRetireTheChannelAndSettleEveryEarlierPublish() throws Exception {
        assertRefusalRetiresTheChannel(properties("x".repeat(256), Map.of()));
    }

    @Test
    void headersOverTheFrameSizeShouldRetireTheChannelAndSettleEveryEarlierPublish() throws Exception {
        assertRefusalRetiresTheChannel(properties("big-headers", Map.of("big", "y".repeat(300 * 1024))));
    }

    /**
     * A nack takes the channel out of use (RabbitMQ 3.10 may nack every later publish of a channel to
     * a quorum queue whose leader it first tried on a node that then died), but nothing pending on it
     * is lost: the publishes before and after the nack are confirmed or fail as retriable, and the
     * channel closes once none is pending.
     */
    @Test
    void aNackShouldTakeTheChannelOutOfUseAndCloseItOncePendingPublishesSettled() throws Exception {
        Channel channel = connection.createChannel();
        ConfirmChannel confirms = ConfirmChannel.open(channel, 1000, completions, cause -> { }, () -> { });
        List<CompletableFuture<PublishReceipt>> before = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            before.add(publish(confirms, "0", properties("b" + i, Map.of())));
        }
        CompletableFuture<PublishReceipt> refused = publish(confirms, FULL, properties("refused", Map.of()));
        List<CompletableFuture<PublishReceipt>> after = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            after.add(publish(confirms, "0", properties("a" + i, Map.of())));
        }

        assertThat(refused).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(PublishException.class).withMessageContaining("nack")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isTrue());
        assertThat(confirms.isOpen()).as("a channel the broker nacked takes no new publish").isFalse();
        for (CompletableFuture<PublishReceipt> f : before) {
            assertThat(f).succeedsWithin(WAIT);
        }
        for (CompletableFuture<PublishReceipt> f : after) { // written before the nack arrived, or refused at once
            try {
                f.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(BrokerUnavailableException.class)
                        .satisfies(c -> assertThat(((KeelException) c).isRetriable()).isTrue());
            }
        }
        await().atMost(WAIT).until(() -> !channel.isOpen());
        assertThat(confirms.pendingCount()).isZero();
    }

    private void assertRefusalRetiresTheChannel(AMQP.BasicProperties refusedProperties) throws Exception {
        Channel channel = connection.createChannel();
        ConfirmChannel confirms = ConfirmChannel.open(channel, 1000, completions, cause -> { }, () -> { });
        List<CompletableFuture<PublishReceipt>> earlier = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            earlier.add(publish(confirms, properties("m" + i, Map.of())));
        }
        CompletableFuture<PublishReceipt> refused = publish(confirms, refusedProperties);

        assertThat(refused).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(PublishException.class)
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        assertThat(confirms.isOpen()).as("a channel whose numbering may be off is not used again").isFalse();
        await().atMost(WAIT).until(() -> !channel.isOpen());
        for (CompletableFuture<PublishReceipt> f : earlier) {
            try {
                f.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(BrokerUnavailableException.class);
            }
        }
        assertThat(confirms.pendingCount()).isZero();
        CompletableFuture<PublishReceipt> after = publish(confirms, properties("after", Map.of()));
        assertThat(after).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(BrokerUnavailableException.class);
    }

    private CompletableFuture<PublishReceipt> publish(ConfirmChannel confirms, AMQP.BasicProperties properties) {
        return publish(confirms, "0", properties);
    }

    private CompletableFuture<PublishReceipt> publish(ConfirmChannel confirms, String routingKey,
                                                      AMQP.BasicProperties properties) {
        byte[] payload = "payload".getBytes(StandardCharsets.UTF_8);
        PendingPublish pending = new PendingPublish(exchange, exchange, properties.getMessageId(), 0, payload.length);
        confirms.publish(exchange, routingKey, properties, payload, pending, Duration.ofSeconds(5));
        return pending.future();
    }

    private static AMQP.BasicProperties properties(String messageId, Map<String, Object> headers) {
        return new AMQP.BasicProperties.Builder().messageId(messageId).headers(headers).deliveryMode(2).build();
    }
}
