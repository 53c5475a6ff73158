package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.support.KeyHash;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Keel and a plain Jakarta Messaging application on the same addresses and queues, both ways. */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ})
class PlainJmsInteropTest {

    private BrokerAdapter adapter;
    private Keel keel;
    private ConnectionFactory plain;

    private void open(JmsLine line) {
        adapter = line.adapter();
        keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        plain = line.plainClient();
    }

    @AfterEach
    void close() throws Exception {
        keel.close();
        adapter.close();
        if (plain instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void aPlainJmsConsumerOfTheGroupQueueShouldReadKeelsPayloadIdAndHeaders(JmsLine line) throws Exception {
        open(line);
        String topic = UniqueNames.of("jms-out");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("legacy").build());

        keel.publisher(topic, Codec.utf8()).message("hello").id("m-1").key("k-1").header("app", "orders").publish();

        try (Connection connection = plain.createConnection()) {
            Session session = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(line.groupQueueOf(session, topic, "legacy"));
            connection.start();
            Message received = consumer.receive(30_000);
            assertThat(received).isInstanceOf(BytesMessage.class);
            assertThat(new String(received.getBody(byte[].class), StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(received.getStringProperty("keel-id")).isEqualTo("m-1");
            assertThat(received.getStringProperty("app")).isEqualTo("orders");
            assertThat(received.getStringProperty("keel-key")).isEqualTo("k-1");
            assertThat(received.getStringProperty("JMSXGroupID")).as("the message group: the key on Artemis, the key's "
                    + "partition on Classic").isEqualTo(line == JmsLine.ARTEMIS ? "k-1" : "keel-p" + KeyHash.laneOf("k-1", 2));
            assertThat(received.getJMSDeliveryMode()).isEqualTo(DeliveryMode.PERSISTENT);
            received.acknowledge();
        }
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void aPlainJmsProducersMessagesShouldReachKeelWithTheirPropertiesAndGroupAsKey(JmsLine line) throws Exception {
        open(line);
        String topic = UniqueNames.of("jms-in");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        try (Connection connection = plain.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(line.topicOf(session, topic));
            BytesMessage withGroup = session.createBytesMessage();
            withGroup.writeBytes("one".getBytes(StandardCharsets.UTF_8));
            withGroup.setStringProperty("JMSXGroupID", "customer-7");
            withGroup.setStringProperty("app", "legacy");
            producer.send(withGroup, DeliveryMode.PERSISTENT, Message.DEFAULT_PRIORITY, 0);
            BytesMessage bare = session.createBytesMessage();
            bare.writeBytes("two".getBytes(StandardCharsets.UTF_8));
            producer.send(bare, DeliveryMode.PERSISTENT, Message.DEFAULT_PRIORITY, 0);
        }
        Map<String, dev.keel.Delivery<String>> byPayload = new ConcurrentHashMap<>();
        try (Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> byPayload.put(d.payload(), d))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> byPayload.size() == 2);
        }
        assertThat(byPayload.get("one").key()).isEqualTo("customer-7");
        assertThat(byPayload.get("one").headers()).containsEntry("app", "legacy");
        assertThat(byPayload.get("one").id()).as("the JMS message id").startsWith("ID:");
        assertThat(byPayload.get("two").key()).isNull();
        assertThat(byPayload.get("two").id()).isNotEqualTo(byPayload.get("one").id());
    }

    /**
     * Review J F1: a plain producer's TextMessage stalled its group for ever (the member read every body as bytes,
     * took the refusal for a lost session and received the same message again, about 600 times a second).
     */
    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void plainMessagesOfEveryBodyTypeShouldReachKeelAndNotHoldUpTheGroup(JmsLine line) throws Exception {
        open(line);
        String topic = UniqueNames.of("jms-types");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        try (Connection connection = plain.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(line.topicOf(session, topic));
            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
            producer.send(session.createTextMessage("text-1"));
            producer.send(session.createObjectMessage("object-1"));
            jakarta.jms.MapMessage map = session.createMapMessage();
            map.setString("field", "map-1");
            producer.send(map);
            jakarta.jms.StreamMessage stream = session.createStreamMessage();
            stream.writeString("stream-1");
            producer.send(stream);
            producer.send(session.createMessage());
            producer.send(session.createTextMessage(null));
        }
        keel.publisher(topic, Codec.utf8()).message("ordinary").id("ordinary").key("k").publish();

        Map<String, dev.keel.Delivery<byte[]>> byId = new ConcurrentHashMap<>();
        try (Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.bytes())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> byId.put(d.id(), d))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> byId.size() == 7);
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
        }
        Map<String, String> types = new ConcurrentHashMap<>();
        byId.values().forEach(d -> types.merge(d.headers().getOrDefault("jms-body", "bytes"), "x", String::concat));
        assertThat(types).containsEntry("text", "xx").containsEntry("object", "x").containsEntry("map", "x")
                .containsEntry("stream", "x").containsEntry("message", "x").containsEntry("bytes", "x");
        assertThat(byId.values()).filteredOn(d -> "text".equals(d.headers().get("jms-body")))
                .extracting(d -> new String(d.payload(), StandardCharsets.UTF_8)).containsExactlyInAnyOrder("text-1", "");
        assertThat(new String(byId.get("ordinary").payload(), StandardCharsets.UTF_8)).isEqualTo("ordinary");
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void aKeyedStreamShouldArriveInOrderAtAPlainConsumer(JmsLine line) throws Exception {
        open(line);
        String topic = UniqueNames.of("jms-order");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(4).group("legacy").build());
        List<String> sent = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 50; i++) {
            String payload = "k-" + (i % 3) + ":" + i;
            keel.publisher(topic, Codec.utf8()).message(payload).id("o-" + i).key("k-" + (i % 3)).publish();
            sent.add(payload);
        }
        List<String> received = new CopyOnWriteArrayList<>();
        try (Connection connection = plain.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(line.groupQueueOf(session, topic, "legacy"));
            connection.start();
            for (int i = 0; i < 50; i++) {
                Message m = consumer.receive(30_000);
                assertThat(m).as("message %d of 50", i).isNotNull();
                received.add(new String(m.getBody(byte[].class), StandardCharsets.UTF_8));
            }
        }
        assertThat(received).isEqualTo(sent);
    }
}
