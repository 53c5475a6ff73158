package dev.keel.cli.broker;

import dev.keel.cli.bench.Progress;
import dev.keel.cli.bench.Throughput;
import dev.keel.jms.ArtemisConfig;
import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.Topic;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSConstants;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * The raw Artemis JMS client ({@code artemis-jakarta-client}) used well, without Keel: the baselines
 * of {@code keel bench --broker artemis}. They reach the addresses and group queues Keel declared
 * ({@code <topic>}, {@code <topic>::<topic>.<group>}, docs/activemq.md).
 */
final class RawArtemisClients {

    /** How long the raw consumer may take to read what it was asked to. */
    static final long CONSUME_TIMEOUT_MINUTES = 5;

    private RawArtemisClients() {
    }

    static ActiveMQConnectionFactory factory(ArtemisConfig config) {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(config.url());
        factory.setBlockOnDurableSend(true); // the default, said: a persistent send returns once the broker stored it
        return factory;
    }

    static Connection connect(ActiveMQConnectionFactory factory, ArtemisConfig config) throws JMSException {
        return config.username().isPresent()
                ? factory.createConnection(config.username().get(), config.password().orElse(""))
                : factory.createConnection();
    }

    /**
     * Synchronous persistent sends (each returns once the broker stored the message) on {@code lanes}
     * sessions, each on a thread and connection of its own, a key always on the same one (its order),
     * the key as the message group ({@code JMSXGroupID}): what Keel's publisher does with its send lanes.
     */
    static final class Producer implements RawPublishBaseline {
        private final ArtemisConfig config;
        private final int lanes;

        Producer(ArtemisConfig config, int lanes) {
            this.config = config;
            this.lanes = lanes;
        }

        @Override
        public String id() {
            return "artemis_sync_send";
        }

        @Override
        public String description() {
            return "raw Artemis JMS client: synchronous persistent sends on " + lanes + " sessions (a thread each), "
                    + "JMSXGroupID = key";
        }

        @Override
        public long publish(String topic, int messages, int keys, byte[] payload, Progress progress) throws Exception {
            ActiveMQConnectionFactory factory = factory(config);
            ExecutorService threads = Executors.newFixedThreadPool(lanes, r -> {
                Thread t = new Thread(r, "keel-bench-raw-artemis");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Long>> sent = new ArrayList<>();
                for (int lane = 0; lane < lanes; lane++) {
                    int mine = lane;
                    sent.add(threads.submit(() -> sendLane(factory, topic, mine, messages, keys, payload, progress)));
                }
                long confirmed = 0;
                for (Future<Long> f : sent) {
                    try {
                        confirmed += f.get();
                    } catch (ExecutionException e) {
                        throw new IllegalStateException("raw Artemis send failed: " + e.getCause(), e.getCause());
                    }
                }
                return confirmed;
            } finally {
                threads.shutdownNow();
                threads.awaitTermination(10, TimeUnit.SECONDS);
                factory.close();
            }
        }

        private long sendLane(ActiveMQConnectionFactory factory, String topic, int lane, int messages, int keys,
                              byte[] payload, Progress progress) throws JMSException {
            try (Connection connection = connect(factory, config)) {
                Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                Topic destination = session.createTopic(topic);
                MessageProducer producer = session.createProducer(destination);
                producer.setDeliveryMode(DeliveryMode.PERSISTENT);
                long sent = 0;
                for (int i = 0; i < messages; i++) {
                    String key = "k" + (i % keys);
                    if (Math.floorMod(key.hashCode(), lanes) != lane) {
                        continue;
                    }
                    BytesMessage message = session.createBytesMessage();
                    message.writeBytes(payload);
                    message.setStringProperty("JMSXGroupID", key);
                    producer.send(message);
                    sent++;
                    progress.advance(1);
                }
                return sent;
            }
        }
    }

    /**
     * One consumer of the group's queue in individual-acknowledge mode
     * ({@link ActiveMQJMSConstants#INDIVIDUAL_ACKNOWLEDGE}), each message acknowledged once received:
     * what a Keel member does, without the engine.
     */
    static final class GroupConsumer implements RawConsumeBaseline {
        private final ArtemisConfig config;

        GroupConsumer(ArtemisConfig config) {
            this.config = config;
        }

        @Override
        public String id() {
            return "artemis_individual_ack";
        }

        @Override
        public String description() {
            return "raw Artemis JMS client: one consumer of the group queue, INDIVIDUAL_ACKNOWLEDGE, each message "
                    + "acknowledged";
        }

        @Override
        public void consume(String topic, String group, int messages, Progress progress, Throughput throughput)
                throws Exception {
            ActiveMQConnectionFactory factory = factory(config);
            try (factory; Connection connection = connect(factory, config)) {
                Session session = connection.createSession(false, ActiveMQJMSConstants.INDIVIDUAL_ACKNOWLEDGE);
                MessageConsumer consumer = session.createConsumer(session.createQueue(topic + "::" + topic + "."
                        + group));
                connection.start();
                long received = 0;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(CONSUME_TIMEOUT_MINUTES);
                while (received < messages) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the raw Artemis consumer read only " + received + " of "
                                + messages + " messages in " + CONSUME_TIMEOUT_MINUTES + " minutes");
                    }
                    Message message = consumer.receive(100);
                    if (message == null) {
                        continue;
                    }
                    message.acknowledge();
                    throughput.record();
                    received++;
                    progress.advance(1);
                }
            }
        }
    }

    /**
     * For latency: the producer's synchronous persistent sends on {@code lanes} sessions, each on a
     * thread of its own (a publish hands the message to its key's lane and returns, as Keel's publisher
     * does), and a listener on the group queue in individual-acknowledge mode that acknowledges each
     * message after handling it.
     */
    static final class Latency implements RawLatencyBaseline {
        private final ArtemisConfig config;
        private final int lanes;

        Latency(ArtemisConfig config, int lanes) {
            this.config = config;
            this.lanes = lanes;
        }

        @Override
        public String id() {
            return "artemis_jms_client";
        }

        @Override
        public String description() {
            return "raw Artemis JMS client: synchronous persistent sends on " + lanes + " sessions (a thread each), "
                    + "a listener acknowledging each message (INDIVIDUAL_ACKNOWLEDGE)";
        }

        @Override
        public Session open(String topic, String group, Consumer<byte[]> onPayload) throws Exception {
            ActiveMQConnectionFactory factory = factory(config);
            Connection consumerConnection = connect(factory, config);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            try {
                jakarta.jms.Session session = consumerConnection.createSession(false,
                        ActiveMQJMSConstants.INDIVIDUAL_ACKNOWLEDGE);
                MessageConsumer consumer = session.createConsumer(session.createQueue(topic + "::" + topic + "."
                        + group));
                consumer.setMessageListener(message -> {
                    try {
                        onPayload.accept(message.getBody(byte[].class));
                        message.acknowledge();
                    } catch (JMSException | RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                });
                consumerConnection.start();
            } catch (JMSException | RuntimeException e) {
                consumerConnection.close();
                factory.close();
                throw e;
            }
            List<Lane> open = new ArrayList<>();
            for (int i = 0; i < lanes; i++) {
                open.add(new Lane(factory, topic, failure));
            }
            return new Session() {
                @Override
                public void publish(String key, byte[] payload) throws Exception {
                    Throwable failed = failure.get();
                    if (failed != null) {
                        throw new IOException("raw Artemis client failed: " + failed, failed);
                    }
                    open.get(Math.floorMod(key.hashCode(), lanes)).send(key, payload);
                }

                @Override
                public void close() throws IOException {
                    try {
                        for (Lane lane : open) {
                            lane.drain();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for raw Artemis sends");
                    } finally {
                        try {
                            consumerConnection.close();
                        } catch (JMSException ignored) {
                            // closing anyway
                        }
                        factory.close();
                    }
                    if (failure.get() != null) {
                        throw new IOException("raw Artemis client failed: " + failure.get(), failure.get());
                    }
                }
            };
        }

        /** One send lane: a thread with its own connection, session and producer. */
        private final class Lane {
            private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "keel-bench-raw-artemis-latency");
                t.setDaemon(true);
                return t;
            });
            private final ActiveMQConnectionFactory factory;
            private final String topic;
            private final AtomicReference<Throwable> failure;
            private Connection connection;
            private jakarta.jms.Session session;
            private MessageProducer producer;

            Lane(ActiveMQConnectionFactory factory, String topic, AtomicReference<Throwable> failure) {
                this.factory = factory;
                this.topic = topic;
                this.failure = failure;
            }

            void send(String key, byte[] payload) {
                thread.execute(() -> {
                    try {
                        if (producer == null) {
                            connection = connect(factory, config);
                            session = connection.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
                            producer = session.createProducer(session.createTopic(topic));
                            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
                        }
                        BytesMessage message = session.createBytesMessage();
                        message.writeBytes(payload);
                        message.setStringProperty("JMSXGroupID", key);
                        producer.send(message);
                    } catch (JMSException | RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }

            /** Waits for the sends handed over (60 s at most), then closes the connection. */
            void drain() throws InterruptedException, IOException {
                thread.execute(() -> {
                    if (connection != null) {
                        try {
                            connection.close();
                        } catch (JMSException ignored) {
                            // closing anyway
                        }
                    }
                });
                thread.shutdown();
                if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
                    thread.shutdownNow();
                    throw new IOException("raw Artemis sends not confirmed within 60 s");
                }
            }
        }
    }
}
