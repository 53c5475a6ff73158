package dev.keel.jms;

import dev.keel.TopicSpec;
import dev.keel.jms.internal.ArtemisDialect;
import dev.keel.jms.internal.ClassicDialect;
import dev.keel.jms.internal.JmsDialect;
import dev.keel.jms.internal.JmsProducer;
import dev.keel.jms.internal.JmsSettings;
import dev.keel.jms.internal.Pipelining;
import dev.keel.jms.internal.Routes;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.TopologyAdmin;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import jakarta.jms.BytesMessage;
import jakarta.jms.CompletionListener;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Destination;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import org.apache.activemq.ActiveMQMessageProducer;
import org.apache.activemq.AsyncCallback;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a test: measures raw Jakarta Messaging publishing of persistent 200-byte messages on each line,
 * synchronous sends on N sessions against pipelined asynchronous sends with at most W in flight per
 * session, each confirmed by the broker (Artemis: a {@code CompletionListener} with a confirmation
 * window; Classic, whose 6.x client refuses a {@code CompletionListener}: its own {@code AsyncCallback},
 * called with the broker's answer to the send). Runs only when asked:
 * <pre>
 * ./mvnw -B -o -pl sdk-jms -am verify -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
 *     -Dtest=PublishModesMeasurement -Dsurefire.failIfNoSpecifiedTests=false -Dkeel.jms.measure=true \
 *     [-Dkeel.jms.measure.messages=4000] [-Dkeel.jms.measure.asyncMessages=20000] [-Dkeel.jms.measure.rounds=3] \
 *     [-Dkeel.jms.measure.modes='keel.*']
 * </pre>
 * Two more modes measure the adapter's own producer ({@code keel ...}): synchronous on both lines, pipelined on
 * Artemis. Connections are opened before a run's clock starts. Each round runs every mode once, in turn, each on
 * a fresh topic with one group queue; the report (stdout and {@code target/publish-modes.txt}) gives each mode's
 * rate per round, their median and range, and the load average seen.
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ})
@EnabledIfSystemProperty(named = "keel.jms.measure", matches = "true")
class PublishModesMeasurement {
    private static final int MESSAGES = Integer.getInteger("keel.jms.measure.messages", 4000);
    /** Pipelined modes send more, so that their run lasts long enough to measure. */
    private static final int ASYNC_MESSAGES = Integer.getInteger("keel.jms.measure.asyncMessages", 20_000);
    private static final int ROUNDS = Integer.getInteger("keel.jms.measure.rounds", 3);
    private static final byte[] PAYLOAD = new byte[200];

    /** {@code keel}: the adapter's own producer ({@link JmsProducer}, 4 lanes), synchronous or pipelined. */
    private record Mode(String name, int sessions, int window, boolean keel) {
        Mode(String name, int sessions, int window) {
            this(name, sessions, window, false);
        }

        boolean async() {
            return window > 0;
        }
    }

    private static final List<Mode> MODES = List.of(new Mode("sync x1", 1, 0), new Mode("sync x4", 4, 0),
            new Mode("async x1 w64", 1, 64), new Mode("async x1 w256", 1, 256), new Mode("async x4 w64", 4, 64),
            new Mode("async x4 w256", 4, 256), new Mode("keel sync x4", 4, 0, true),
            new Mode("keel pipe x4 w256", 4, 256, true));

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void measure(JmsLine line) throws Exception {
        Map<String, List<Double>> rates = new TreeMap<>();
        List<String> loads = new ArrayList<>();
        // Classic's producer is not pipelined: its broker stores one connection's sends one after the other
        List<Mode> modes = MODES.stream().filter(m -> !(m.keel && m.async() && line == JmsLine.CLASSIC))
                .filter(m -> m.name.matches(System.getProperty("keel.jms.measure.modes", ".*"))).toList();
        try (BrokerAdapter adapter = line.adapter()) {
            for (Mode mode : modes) { // warm-up, not counted
                run(line, adapter, mode, Math.max(200, messages(mode) / 10));
            }
            for (int round = 0; round < ROUNDS; round++) {
                for (Mode mode : modes) {
                    loads.add(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                    rates.computeIfAbsent(mode.name, m -> new ArrayList<>())
                            .add(run(line, adapter, mode, messages(mode)));
                }
            }
        }
        report(line, rates, loads);
    }

    private static int messages(Mode mode) {
        return mode.async() ? ASYNC_MESSAGES : MESSAGES;
    }

    private double run(JmsLine line, BrokerAdapter admin, Mode mode, int messages) throws Exception {
        String topic = UniqueNames.of("pm");
        admin.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
        try {
            if (mode.keel) {
                return keel(line, topic, mode, messages);
            }
            ConnectionFactory factory = factory(line, mode);
            List<Connection> connections = new ArrayList<>();
            ExecutorService threads = Executors.newFixedThreadPool(mode.sessions);
            try {
                List<Session> sessions = new ArrayList<>();
                for (int s = 0; s < mode.sessions; s++) {
                    Connection c = factory.createConnection();
                    connections.add(c);
                    sessions.add(c.createSession(false, Session.AUTO_ACKNOWLEDGE));
                }
                long start = System.nanoTime();
                List<Future<?>> done = new ArrayList<>();
                for (int s = 0; s < mode.sessions; s++) {
                    Session session = sessions.get(s);
                    int share = messages / mode.sessions;
                    done.add(threads.submit(() -> {
                        sendAll(line, session, topic, mode, share);
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                long elapsed = System.nanoTime() - start;
                return (messages / mode.sessions) * mode.sessions * 1e9 / elapsed;
            } finally {
                threads.shutdownNow();
                for (Connection c : connections) {
                    c.close();
                }
                if (factory instanceof AutoCloseable closeable) {
                    closeable.close();
                }
            }
        } finally {
            ((TopologyAdmin) admin).deleteTopology(topic);
        }
    }

    /**
     * The adapter's producer, built as the adapter builds it but for the route check (a fixed answer here, so each
     * mode's figure is its sends): every record handed to it at once, the rate taken when the last one completed.
     */
    private static double keel(JmsLine line, String topic, Mode mode, int messages) throws Exception {
        ConnectionFactory factory = factory(line, mode);
        JmsDialect dialect = line == JmsLine.ARTEMIS ? new ArtemisDialect(ArtemisTestSupport.config(line.url()).build())
                : new ClassicDialect(new JmsSettings(null, null, mode.sessions, 1 << 20, Duration.ofSeconds(10),
                        "ActiveMQClassicConfig", "keel.activemq"), factory, false);
        Routes routes = new Routes(t -> 4, System::nanoTime);
        Pipelining pipelining = mode.async() ? new Pipelining(mode.window, Duration.ofSeconds(30)) : null;
        JmsProducer producer = new JmsProducer(factory, dialect, routes, pipelining);
        try {
            List<CompletableFuture<?>> opened = new ArrayList<>();
            for (int lane = 0; lane < mode.sessions; lane++) { // keyless: one per lane, round-robin; opens its session
                opened.add(producer.send(new OutboundRecord(topic, "open-" + lane, null, Map.of(), PAYLOAD,
                        Instant.now())).toCompletableFuture());
            }
            CompletableFuture.allOf(opened.toArray(CompletableFuture[]::new)).get();
            long start = System.nanoTime();
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                sent.add(producer.send(new OutboundRecord(topic, "m-" + i, "k-" + (i % 100), Map.of(), PAYLOAD,
                        Instant.now())).toCompletableFuture());
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get();
            return messages * 1e9 / (System.nanoTime() - start);
        } finally {
            producer.close();
            if (factory instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }

    private static ConnectionFactory factory(JmsLine line, Mode mode) {
        if (line == JmsLine.ARTEMIS) {
            var artemis = new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory(line.url());
            artemis.setBlockOnDurableSend(true);
            if (mode.async()) {
                // without a confirmation window the client calls the listener once the bytes are written, not stored
                artemis.setConfirmationWindowSize(1024 * 1024);
            }
            return artemis;
        }
        return new org.apache.activemq.ActiveMQConnectionFactory(line.url());
    }

    private static void sendAll(JmsLine line, Session session, String topic, Mode mode, int count) throws Exception {
        Destination destination = line.topicOf(session, topic);
        MessageProducer producer = session.createProducer(null);
        Semaphore window = new Semaphore(Math.max(1, mode.window));
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicInteger confirmed = new AtomicInteger();
        for (int i = 0; i < count; i++) {
            BytesMessage message = session.createBytesMessage();
            message.writeBytes(PAYLOAD);
            message.setStringProperty("JMSXGroupID", "k-" + (i % 100));
            if (!mode.async()) {
                producer.send(destination, message, DeliveryMode.PERSISTENT, 4, 0);
                confirmed.incrementAndGet();
                continue;
            }
            window.acquire();
            if (line == JmsLine.ARTEMIS) {
                producer.send(destination, message, DeliveryMode.PERSISTENT, 4, 0, new CompletionListener() {
                    @Override
                    public void onCompletion(Message m) {
                        confirmed.incrementAndGet();
                        window.release();
                    }

                    @Override
                    public void onException(Message m, Exception e) {
                        failure.set(e);
                        window.release();
                    }
                });
            } else {
                ((ActiveMQMessageProducer) producer).send(destination, message, DeliveryMode.PERSISTENT, 4, 0,
                        new AsyncCallback() {
                            @Override
                            public void onSuccess() {
                                confirmed.incrementAndGet();
                                window.release();
                            }

                            @Override
                            public void onException(JMSException e) {
                                failure.set(e);
                                window.release();
                            }
                        });
            }
        }
        window.acquire(Math.max(1, mode.window)); // every send answered
        if (failure.get() != null) {
            throw failure.get();
        }
        assertThat(confirmed.get()).isEqualTo(count);
    }

    private static void report(JmsLine line, Map<String, List<Double>> rates, List<String> loads) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%n%s: persistent 200-byte messages, %d per synchronous run, %d per pipelined run, %d "
                + "rounds; load average (1 min) %s%n", line, MESSAGES, ASYNC_MESSAGES, ROUNDS, String.join(" ", loads)));
        for (Mode mode : MODES) {
            List<Double> r = rates.get(mode.name);
            if (r == null) {
                continue;
            }
            List<Double> sorted = r.stream().sorted().toList();
            out.append(String.format("  %-14s median %8.0f msg/s  range %8.0f - %8.0f  runs %s%n", mode.name,
                    sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1),
                    r.stream().map(v -> String.format("%.0f", v)).toList()));
        }
        System.out.print(out);
        Files.writeString(Path.of("target", "publish-modes.txt"), out, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
