package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.rabbit.QueueType;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two processes declare the same new group at once on a real broker, one of them refused part way (its user may not
 * configure one of the group's queues): the refused one must not remove the queues the other declared and consumes;
 * and a group whose record lists it while some of its queues are missing (removed by such a race, or by another
 * tool) gets them declared again by its next subscribe, instead of failing on the missing queue for ever.
 */
@UsesBrokers(BrokerKind.RABBIT)
class RefusedGroupDeclarationRaceTest {

    private static final int PARTITIONS = 3;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private RabbitConfig guest;
    private ManagedConnection guestPublishing;
    private Topology guestTopology;
    private String topic;

    @BeforeEach
    void open() {
        guest = RabbitConfig.custom().uri(Brokers.rabbit().uri()).connectionName("keel-test").build();
        guestPublishing = managed(guest);
        guestTopology = new Topology(guestPublishing, QueueType.QUORUM, 8);
        topic = UniqueNames.of("refused-race");
        guestTopology.ensure(TopicSpec.builder(topic).partitions(PARTITIONS).group("a").build());
    }

    @AfterEach
    void close() throws Exception {
        guestTopology.delete(topic);
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    @Test
    void aRefusedDeclarationShouldNotRemoveTheQueuesAnotherProcessDeclaredMeanwhile() throws Exception {
        RabbitEndpoint rabbit = Brokers.rabbit();
        assumeTrue(rabbit.supportsNodeCommands(), "needs the harness's private node (a user of the test's own)");
        String user = "keel-race-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        rabbit.rabbitmqctl("add_user", user, password);
        try {
            String denied = Names.laneQueue(topic, "g", 1).replace(".", "\\.");
            rabbit.rabbitmqctl("set_permissions", "-p", guest.virtualHost(), user, "^(?!" + denied + "$).*", ".*",
                    ".*");
            Topology limited = new Topology(managed(RabbitConfig.from(guest).username(user).password(password)
                    .build()), QueueType.QUORUM, 8);
            Connection consuming = new Connector(guest).open("other-process", false);
            opened.add(consuming);
            AtomicBoolean raced = new AtomicBoolean();
            // the other process declares the group and consumes it while the refused one is between its look at
            // what exists and its declaration
            limited.afterGroupProbe(() -> {
                if (raced.compareAndSet(false, true)) {
                    guestTopology.ensureGroup(topic, "g", PARTITIONS);
                    try {
                        for (int partition = 0; partition < PARTITIONS; partition++) {
                            Channel channel = consuming.createChannel();
                            channel.basicQos(10);
                            channel.basicConsume(Names.laneQueue(topic, "g", partition), false,
                                    new DefaultConsumer(channel));
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });

            Throwable refused = catchThrowable(() -> limited.ensureGroup(topic, "g", PARTITIONS));

            assertThat(refused).isInstanceOf(KeelException.class).hasMessageContaining("ACCESS_REFUSED");
            assertThat(raced).isTrue();
            try (Channel admin = guestPublishing.openChannel()) {
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    assertThat(admin.queueDeclarePassive(Names.laneQueue(topic, "g", partition)).getConsumerCount())
                            .as("the other process's consumer on partition queue %s", partition).isOne();
                }
                admin.queueDeclarePassive(Names.deadLetterQueue(topic, "g"));
                admin.exchangeDeclarePassive(Names.deadLetterExchange(topic, "g"));
            }
        } finally {
            rabbit.rabbitmqctl("delete_user", user);
        }
    }

    @Test
    void aRecordedGroupWithAMissingQueueShouldHaveItDeclaredAgainOnItsNextSubscribe() throws Exception {
        guestTopology.ensureGroup(topic, "g", PARTITIONS);
        String deleted = Names.laneQueue(topic, "g", 2);
        try (Channel admin = guestPublishing.openChannel()) {
            admin.queueDelete(deleted); // by a racing refused declaration, or another tool
        }

        // another process (no memory of the group) subscribes the group
        new Topology(managed(guest), QueueType.QUORUM, 8).ensureGroup(topic, "g", PARTITIONS);

        try (Channel admin = guestPublishing.openChannel()) {
            admin.confirmSelect();
            admin.basicPublish(Names.exchange(topic), Names.routingKey(2), new AMQP.BasicProperties.Builder()
                    .deliveryMode(2).build(), "m".getBytes(StandardCharsets.UTF_8));
            admin.waitForConfirmsOrDie(10_000);
            assertThat(admin.queueDeclarePassive(deleted).getMessageCount()).as("messages routed to %s", deleted)
                    .isOne();
        }
    }

    private ManagedConnection managed(RabbitConfig config) {
        ManagedConnection connection = new ManagedConnection(new Connector(config), "publish", Duration.ofSeconds(1),
                System::nanoTime);
        opened.add(connection);
        return connection;
    }
}
