package dev.keel.cli.broker;

import dev.keel.cli.bench.Progress;
import dev.keel.cli.bench.Throughput;
import jakarta.jms.BytesMessage;
import jakarta.jms.CompletionListener;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A broker's own JMS client used well, without Keel: the baselines of {@code keel bench --broker artemis}
 * ({@code artemis-jakarta-client}) and {@code --broker activemq} (ActiveMQ Classic's {@code activemq-client}).
 * They reach the destinations and group queues Keel declared, as the {@link RawJmsTarget} names them
 * (docs/activemq.md).
 */
final class RawJmsClients {

    /** How long the raw consumer may take to read what it was asked to. */
    static final long CONSUME_TIMEOUT_MINUTES = 5;

    private RawJmsClients() {
    }

    /**
     * Persistent sends on {@code lanes} sessions, each on a thread and connection of its own, a key always on the same
     * one (its order), the key as the message group ({@code JMSXGroupID}): synchronous (each returns once the broker
     * stored the message), or, where the target says so ({@link RawJmsTarget#sendWindow()}), asynchronous with at most
     * that many in flight per session, each completed by the broker's answer once stored: what Keel's publisher does
     * with its send lanes on that broker.
     */
    static final class Producer implements RawPublishBaseline {
        private final RawJmsTarget target;
        private final int lanes;

        Producer(RawJmsTarget target, int lanes) {
            this.target = target;
            this.lanes = lanes;
        }

        @Override
        public String id() {
            return target.id() + (target.sendWindow() > 0 ? "_pipelined_send" : "_sync_send");
        }

        @Override
        public String description() {
            return "raw " + target.client() + ": " + (target.sendWindow() > 0 ? "asynchronous persistent sends, at most "
                    + target.sendWindow() + " in flight per session, each completed once the broker stored it,"
                    : "synchronous persistent sends") + " on " + lanes + " sessions (a thread each), JMSXGroupID = key";
        }

        @Override
        public long publish(String topic, int messages, int keys, byte[] payload, Progress progress) throws Exception {
            ConnectionFactory factory = target.newFactory();
            ExecutorService threads = Executors.newFixedThreadPool(lanes, r -> {
                Thread t = new Thread(r, "keel-bench-raw-" + target.id());
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
                        throw new IllegalStateException("raw " + target.client() + " send failed: " + e.getCause(),
                                e.getCause());
                    }
                }
                return confirmed;
            } finally {
                threads.shutdownNow();
                threads.awaitTermination(10, TimeUnit.SECONDS);
                RawJmsTarget.close(factory);
            }
        }

        private long sendLane(ConnectionFactory factory, String topic, int lane, int messages, int keys,
                              byte[] payload, Progress progress) throws JMSException {
            try (Connection connection = target.connect(factory)) {
                Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageProducer producer = session.createProducer(target.topic(session, topic));
                producer.setDeliveryMode(DeliveryMode.PERSISTENT);
                Confirmations confirmations = new Confirmations(target.sendWindow(), progress);
                long sent = 0;
                for (int i = 0; i < messages; i++) {
                    String key = "k" + (i % keys);
                    if (Math.floorMod(key.hashCode(), lanes) != lane) {
                        continue;
                    }
                    BytesMessage message = session.createBytesMessage();
                    message.writeBytes(payload);
                    message.setStringProperty("JMSXGroupID", key);
                    if (target.sendWindow() > 0) {
                        confirmations.acquire();
                        producer.send(message, confirmations);
                    } else {
                        producer.send(message);
                        progress.advance(1);
                    }
                    sent++;
                }
                confirmations.awaitAll();
                return sent;
            }
        }
    }

    /** The asynchronous sends in flight of one session: at most {@code window}, each released by the broker's answer. */
    private static final class Confirmations implements CompletionListener {
        private final Semaphore permits;
        private final int window;
        private final Progress progress;
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        Confirmations(int window, Progress progress) {
            this.window = Math.max(1, window);
            this.permits = new Semaphore(this.window);
            this.progress = progress;
        }

        void acquire() throws JMSException {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JMSException("interrupted while waiting for the broker's confirmations");
            }
            rethrow();
        }

        /** Waits for every send in flight to be answered (60 s at most). */
        void awaitAll() throws JMSException {
            try {
                if (!permits.tryAcquire(window, 60, TimeUnit.SECONDS)) {
                    throw new JMSException("sends not confirmed within 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JMSException("interrupted while waiting for the broker's confirmations");
            }
            rethrow();
        }

        @Override
        public void onCompletion(Message message) {
            progress.advance(1);
            permits.release();
        }

        @Override
        public void onException(Message message, Exception exception) {
            failure.compareAndSet(null, exception);
            permits.release();
        }

        private void rethrow() throws JMSException {
            Exception failed = failure.get();
            if (failed != null) {
                throw failed instanceof JMSException j ? j : new JMSException("send failed: " + failed);
            }
        }
    }

    /**
     * One consumer of the group's queue in the client's individual-acknowledge mode
     * ({@link RawJmsTarget#individualAcknowledge()}), each message acknowledged once received: what a Keel
     * member does, without the engine.
     */
    static final class GroupConsumer implements RawConsumeBaseline {
        private final RawJmsTarget target;

        GroupConsumer(RawJmsTarget target) {
            this.target = target;
        }

        @Override
        public String id() {
            return target.id() + "_individual_ack";
        }

        @Override
        public String description() {
            return "raw " + target.client() + ": one consumer of the group queue, INDIVIDUAL_ACKNOWLEDGE, each "
                    + "message acknowledged";
        }

        @Override
        public void consume(String topic, String group, int messages, Progress progress, Throughput throughput)
                throws Exception {
            ConnectionFactory factory = target.newFactory();
            try (Connection connection = target.connect(factory)) {
                Session session = connection.createSession(false, target.individualAcknowledge());
                MessageConsumer consumer = session.createConsumer(target.groupQueue(session, topic, group));
                connection.start();
                long received = 0;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(CONSUME_TIMEOUT_MINUTES);
                while (received < messages) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the raw " + target.client() + " consumer read only "
                                + received + " of " + messages + " messages in " + CONSUME_TIMEOUT_MINUTES + " minutes");
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
            } finally {
                RawJmsTarget.close(factory);
            }
        }
    }

    /**
     * For latency: the producer's persistent sends on {@code lanes} sessions, each on a thread of its own (a publish
     * hands the message to its key's lane and returns, as Keel's publisher does), synchronous or, where the target
     * pipelines ({@link RawJmsTarget#sendWindow()}), asynchronous with at most that many in flight per session, as
     * {@link Producer} sends; and a listener on the group queue in individual-acknowledge mode that acknowledges each
     * message after handling it. Synchronous sends on a broker where Keel pipelines would not keep the rate, and the
     * baseline's latency would be its own backlog's.
     */
    static final class Latency implements RawLatencyBaseline {
        private final RawJmsTarget target;
        private final int lanes;

        Latency(RawJmsTarget target, int lanes) {
            this.target = target;
            this.lanes = lanes;
        }

        @Override
        public String id() {
            return target.id() + "_jms_client";
        }

        @Override
        public String description() {
            return "raw " + target.client() + ": " + (target.sendWindow() > 0 ? "asynchronous persistent sends, at "
                    + "most " + target.sendWindow() + " in flight per session," : "synchronous persistent sends") + " on "
                    + lanes + " sessions (a thread each), a listener acknowledging each message (INDIVIDUAL_ACKNOWLEDGE)";
        }

        @Override
        public Session open(String topic, String group, Consumer<byte[]> onPayload) throws Exception {
            ConnectionFactory factory = target.newFactory();
            Connection consumerConnection;
            try {
                consumerConnection = target.connect(factory);
            } catch (JMSException | RuntimeException e) {
                RawJmsTarget.close(factory);
                throw e;
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            try {
                jakarta.jms.Session session = consumerConnection.createSession(false, target.individualAcknowledge());
                MessageConsumer consumer = session.createConsumer(target.groupQueue(session, topic, group));
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
                RawJmsTarget.close(factory);
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
                        throw new IOException("raw " + target.client() + " failed: " + failed, failed);
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
                        throw new InterruptedIOException("interrupted while waiting for raw " + target.client()
                                + " sends");
                    } finally {
                        try {
                            consumerConnection.close();
                        } catch (JMSException ignored) {
                            // closing anyway
                        }
                        RawJmsTarget.close(factory);
                    }
                    if (failure.get() != null) {
                        throw new IOException("raw " + target.client() + " failed: " + failure.get(), failure.get());
                    }
                }
            };
        }

        /** One send lane: a thread with its own connection, session and producer. */
        private final class Lane {
            private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "keel-bench-raw-" + target.id() + "-latency");
                t.setDaemon(true);
                return t;
            });
            private final ConnectionFactory factory;
            private final String topic;
            private final AtomicReference<Throwable> failure;
            private Connection connection;
            private jakarta.jms.Session session;
            private MessageProducer producer;
            private final Confirmations confirmations = new Confirmations(target.sendWindow(), Progress.none());

            Lane(ConnectionFactory factory, String topic, AtomicReference<Throwable> failure) {
                this.factory = factory;
                this.topic = topic;
                this.failure = failure;
            }

            void send(String key, byte[] payload) {
                thread.execute(() -> {
                    try {
                        if (producer == null) {
                            connection = target.connect(factory);
                            session = connection.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
                            producer = session.createProducer(target.topic(session, topic));
                            producer.setDeliveryMode(DeliveryMode.PERSISTENT);
                        }
                        BytesMessage message = session.createBytesMessage();
                        message.writeBytes(payload);
                        message.setStringProperty("JMSXGroupID", key);
                        if (target.sendWindow() > 0) {
                            confirmations.acquire();
                            producer.send(message, confirmations);
                        } else {
                            producer.send(message);
                        }
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
                            confirmations.awaitAll();
                        } catch (JMSException e) {
                            failure.compareAndSet(null, e);
                        }
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
                    throw new IOException("raw " + target.client() + " sends not confirmed within 60 s");
                }
            }
        }
    }
}
