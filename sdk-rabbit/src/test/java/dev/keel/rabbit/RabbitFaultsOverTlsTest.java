package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Faults on the harness's private RabbitMQ node's TLS listener (verify_peer, fail_if_no_peer_cert) while a Keel
 * publishes with confirms and consumes under {@code EFFECTIVELY_ONCE} (the TLS Redis as the idempotency store): the
 * node restarted ({@code rabbitmqctl stop_app}/{@code start_app}) and the adapter's connections closed by the broker
 * ({@code rabbitmqctl close_connection}). Nothing confirmed is lost, nothing is handled twice, the adapter's new
 * connections are TLS connections that checked the server's certificate again with host name verification (its own
 * {@code SSLContext}), and the subscription goes on {@code RUNNING}.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.RABBIT)
class RabbitFaultsOverTlsTest {

    private static final int MESSAGES = 400;
    private static final int BATCH = 20;
    /** A bound on what the stream publishes while it waits for confirms after the fault. */
    private static final int MAX_PUBLISHED = 20_000;
    /** The pause after a batch with refused publishes, so the stream does not spin while the node is away. */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(50);
    private static final String GROUP = "g";

    private final RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
    private final String connectionName = "keel-tls-faults-" + UniqueNames.of("c");
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    private RecordingTlsContext tls;
    private RabbitAdapter adapter;
    private IdempotencyStore store;
    private Keel keel;
    private String topic;

    @BeforeEach
    void open() {
        assumeTrue(rabbit.supportsNodeCommands(), "needs the harness's private RabbitMQ node (its TLS listener)");
        tls = RecordingTlsContext.trusting(TestCertificates.get().trustStore());
        adapter = new RabbitAdapter(RabbitTestSupport.config().host(rabbit.host()).port(rabbit.tlsPort())
                .sslContext(tls.context()).connectionName(connectionName).build());
        store = RabbitTlsContractTest.TlsRedis.store(UniqueNames.of("rabbit-tls-faults"));
        keel = Keel.builder(adapter).idempotencyStore(store)
                .publisherConfig(PublisherConfig.custom().timeout(Duration.ofSeconds(60)).build()).build();
        topic = RabbitTestSupport.unique("tls-faults");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
    }

    @AfterEach
    void close() {
        if (keel != null) {
            keel.close();
            adapter.deleteTopology(topic);
            adapter.close();
            store.close();
        }
    }

    @Test
    void aNodeRestartedMidStreamShouldLoseNothingConfirmedNorHandleAnythingTwiceOverTls() throws Exception {
        streamThrough(resumePublishing -> {
            rabbit.kill();
            resumePublishing.run(); // the rest is published while the node is down and as it comes back
            rabbit.restart();
        });
    }

    @Test
    void connectionsClosedByTheBrokerMidStreamShouldLoseNothingConfirmedNorHandleAnythingTwiceOverTls()
            throws Exception {
        streamThrough(resumePublishing -> {
            List<String> pids = column("pid");
            assertThat(pids).as("the adapter's TLS connections").isNotEmpty();
            for (String pid : pids) {
                rabbit.rabbitmqctl("close_connection", pid, "closed by a Keel test");
                resumePublishing.run(); // after the first connection closed: the rest goes out while they close
            }
        });
    }

    /**
     * Subscribes, publishes {@link #MESSAGES} in batches, runs {@code fault} once a quarter is confirmed, and checks
     * what was confirmed is handled, each once, over new TLS connections that checked the certificate again. The
     * stream stops after that quarter until the fault calls the {@code Runnable} it is given, once it has begun, so
     * the fault always hits mid-stream (publishing on at full speed, a rehearsal's stream had confirmed all 400 before
     * the test thread saw a quarter).
     */
    private void streamThrough(Consumer<Runnable> fault) throws Exception {
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).closeTimeout(Duration.ofSeconds(10)).build(),
                d -> handled.computeIfAbsent(d.payload(), k -> new AtomicInteger()).incrementAndGet());
        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CountDownLatch faultBegun = new CountDownLatch(1);
        CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
            // after the fault, on until half of MESSAGES more are confirmed (publishes refused while the node is away
            // fail at once, retriable: the stream slows down then instead of spinning)
            for (int from = 0; from < MESSAGES || confirmed.size() < MESSAGES * 3 / 4; from += BATCH) {
                if (from == MESSAGES / 4) {
                    awaitFault(faultBegun);
                }
                if (from >= MAX_PUBLISHED) {
                    throw new IllegalStateException("published " + from + ", confirmed " + confirmed.size());
                }
                int failedBefore = failures.size();
                List<CompletableFuture<Void>> batch = new ArrayList<>();
                for (int i = from; i < from + BATCH; i++) {
                    String id = "m-" + i;
                    batch.add(keel.publisher().publishAsync(topic, Message.builder(id, Codec.utf8()).id(id)
                            .key("k" + (i % 7)).build()).toCompletableFuture().handle((receipt, error) -> {
                                if (error == null) {
                                    confirmed.add(id);
                                } else {
                                    failures.add(error instanceof CompletionException c ? c.getCause() : error);
                                }
                                return null;
                            }));
                }
                batch.forEach(CompletableFuture::join);
                if (failures.size() > failedBefore) {
                    LockSupport.parkNanos(RETRY_PAUSE.toNanos());
                }
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> confirmed.size() >= MESSAGES / 4);
        int checksBefore = tls.checks().size();
        assertThat(checksBefore).as("server certificate checks before the fault").isPositive();

        assertThat(confirmed).as("confirmed when the fault hits: the first quarter, mid-stream").hasSize(MESSAGES / 4);
        fault.accept(faultBegun::countDown);
        faultBegun.countDown();
        stream.get(120, TimeUnit.SECONDS);

        assertThat(confirmed.size()).as("publishing went on after the fault").isGreaterThan(MESSAGES / 2);
        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class)
                .matches(k -> ((KeelException) k).isRetriable(), "retriable"));
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(handled.keySet()).containsAll(confirmed));
        await().atMost(Duration.ofSeconds(30)).until(() -> subscription.state() == Subscription.State.RUNNING);
        assertThat(handled).allSatisfy((id, times) -> assertThat(times.get()).as("times %s was handled", id)
                .isEqualTo(1));

        List<RecordingTlsContext.Check> after = tls.checks().subList(checksBefore, tls.checks().size());
        assertThat(after).as("certificate checks of the reconnections").isNotEmpty()
                .allSatisfy(check -> {
                    assertThat(check.passed()).isTrue();
                    assertThat(check.endpointIdentification()).as("host name verification").isEqualTo("HTTPS");
                });
        assertThat(column("ssl")).as("the adapter's connections after the fault are TLS ones")
                .isNotEmpty().containsOnly("true");
    }

    private static void awaitFault(CountDownLatch latch) {
        try {
            if (!latch.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the fault did not begin within 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the fault", e);
        }
    }

    /** A column of each of the adapter's connections on the node (named {@code <connectionName>-<role>}). */
    private List<String> column(String name) {
        List<String> values = new ArrayList<>();
        String named = "{\"connection_name\",\"" + connectionName + "-";
        for (String line : rabbit.rabbitmqctl("list_connections", "--no-table-headers", name, "client_properties")
                .split("\n")) {
            if (line.contains(named)) {
                values.add(line.substring(0, line.indexOf('\t')).trim());
            }
        }
        return values;
    }
}
