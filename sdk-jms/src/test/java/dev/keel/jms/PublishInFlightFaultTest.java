package dev.keel.jms;

import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.faults.FaultProxy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Publishes in flight when something breaks, on the adapter's producer itself (no engine retries in between): the
 * broker killed ({@code kill -9}) mid-stream, the connection lost, the producer closed. Every publish completes;
 * one completed successfully only once the broker had stored it, in its key's order; the others fail with a typed
 * error. On Artemis the publishes are pipelined (many sends in flight per lane), on Classic synchronous.
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ})
class PublishInFlightFaultTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Duration READ_WAIT = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
    private static final int KEYS = 10;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private FaultProxy proxy;

    @AfterEach
    void close() throws Exception {
        if (proxy != null) {
            proxy.heal();
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void aBrokerKilledMidPipelineShouldHaveStoredEveryPublishThatCompletedInKeyOrder(JmsLine line) throws Exception {
        BrokerAdapter adapter = adapter(line, line.url());
        String topic = UniqueNames.of("jms-inflight-kill");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
        BrokerProducer producer = adapter.producer();

        Map<String, CompletableFuture<PublishReceipt>> sent = new LinkedHashMap<>();
        for (int i = 0; i < 4000; i++) {
            String id = "m-" + i;
            sent.put(id, producer.send(record(topic, id, "k-" + (i % KEYS))).toCompletableFuture());
        }
        await().atMost(WAIT).until(() -> completed(sent.values()) >= 200);
        line.endpoint().kill();
        long answeredAtKill = completed(sent.values());

        await().atMost(WAIT).until(() -> completed(sent.values()) == sent.size());
        assertThat(answeredAtKill).as("publishes still in flight when the broker died").isLessThan(sent.size());
        List<String> confirmed = new ArrayList<>();
        sent.forEach((id, result) -> {
            if (!result.isCompletedExceptionally()) {
                confirmed.add(id);
            } else {
                assertThat(result).failsWithin(Duration.ZERO).withThrowableThat().havingCause()
                        .isInstanceOf(KeelException.class);
            }
        });
        line.endpoint().restart();

        List<String> stored = readAll(line, topic, confirmed);
        assertThat(stored).as("every confirmed publish is stored").containsAll(confirmed);
        for (int k = 0; k < KEYS; k++) {
            String key = "-" + k;
            List<String> confirmedOfKey = confirmed.stream().filter(id -> keyOf(id).equals(key)).toList();
            assertThat(stored.stream().filter(confirmedOfKey::contains).distinct().toList())
                    .as("key k%s in publish order", key).isEqualTo(confirmedOfKey);
        }
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void aLostConnectionShouldFailEveryPublishInFlightRetriably(JmsLine line) {
        proxy = line.proxy();
        BrokerAdapter direct = adapter(line, line.url());
        BrokerAdapter proxied = adapter(line, line.fastFailingProxiedUrl());
        String topic = UniqueNames.of("jms-inflight-lost");
        direct.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
        BrokerProducer producer = proxied.producer();
        assertThat(producer.send(record(topic, "first", "k-0"))).succeedsWithin(WAIT);

        List<CompletableFuture<PublishReceipt>> inFlight = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            inFlight.add(producer.send(record(topic, "m-" + i, "k-" + (i % KEYS))).toCompletableFuture());
        }
        proxy.cut(); // every connection reset; new ones are let through

        await().atMost(WAIT).until(() -> completed(inFlight) == inFlight.size());
        List<Throwable> failures = inFlight.stream().filter(CompletableFuture::isCompletedExceptionally)
                .map(result -> result.handle((receipt, e) -> e instanceof CompletionException c ? c.getCause() : e).join())
                .toList();
        assertThat(failures).as("publishes failed by the lost connection").isNotEmpty();
        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class)
                .satisfies(k -> assertThat(((KeelException) k).isRetriable()).as("retriable: %s", k).isTrue()));
        assertThat(producer.send(record(topic, "after", "k-0"))).as("a publish after the loss")
                .succeedsWithin(WAIT);
    }

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void closingWithPublishesInFlightShouldCompleteEveryOneBeforeItReturns(JmsLine line) {
        proxy = line.proxy();
        BrokerAdapter direct = adapter(line, line.url());
        BrokerAdapter proxied = adapter(line, line.fastFailingProxiedUrl());
        String topic = UniqueNames.of("jms-inflight-close");
        direct.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
        BrokerProducer producer = proxied.producer();
        assertThat(producer.send(record(topic, "first", "k-0"))).succeedsWithin(WAIT);

        proxy.blackHole(true); // the broker answers nothing more: the sends stay in flight
        List<CompletableFuture<PublishReceipt>> inFlight = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            inFlight.add(producer.send(record(topic, "m-" + i, "k-" + (i % KEYS))).toCompletableFuture());
        }
        assertTimeoutPreemptively(CLOSE_TIMEOUT.plusSeconds(20), producer::close);

        assertThat(completed(inFlight)).as("publishes completed when close returned").isEqualTo(inFlight.size());
        for (CompletableFuture<PublishReceipt> result : inFlight) {
            assertThat(result).failsWithin(Duration.ZERO).withThrowableThat().havingCause()
                    .isInstanceOf(KeelException.class);
        }
        assertThat(inFlight).anySatisfy(result -> assertThat(result).failsWithin(Duration.ZERO)
                .withThrowableThat().havingCause().isInstanceOf(ClosedException.class));
    }

    private BrokerAdapter adapter(JmsLine line, String url) {
        BrokerAdapter adapter = line == JmsLine.ARTEMIS
                ? new ArtemisAdapter(ArtemisTestSupport.config(url).closeTimeout(CLOSE_TIMEOUT).build())
                : new ActiveMQClassicAdapter(ClassicTestSupport.config(url).closeTimeout(CLOSE_TIMEOUT)
                        .sendTimeout(Duration.ofSeconds(4)).build());
        closeables.add(adapter);
        return adapter;
    }

    private static OutboundRecord record(String topic, String id, String key) {
        return new OutboundRecord(topic, id, key, Map.of(), id.getBytes(StandardCharsets.UTF_8), Instant.now());
    }

    private static long completed(java.util.Collection<CompletableFuture<PublishReceipt>> results) {
        return results.stream().filter(CompletableFuture::isDone).count();
    }

    private static String keyOf(String id) {
        return "-" + (Integer.parseInt(id.substring(2)) % KEYS);
    }

    /**
     * The ids the group's queue holds, in its order, read by a plain client until every id of {@code expected} came
     * (or, when some never come, for a while: the assertions then name them).
     */
    private static List<String> readAll(JmsLine line, String topic, List<String> expected) throws Exception {
        List<String> stored = new ArrayList<>();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (Connection connection = line.plainClient().createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(line.groupQueueOf(session, topic, "g"));
            try {
                await().atMost(READ_WAIT).until(() -> {
                    for (Message m = consumer.receive(500); m != null; m = consumer.receive(500)) {
                        String id = m.getStringProperty("keel-id");
                        stored.add(id);
                        seen.add(id);
                    }
                    return seen.containsAll(expected);
                });
            } catch (ConditionTimeoutException missing) {
                // some never came: the caller's assertion names them
            }
        }
        return stored;
    }
}
