package dev.keel.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
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
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.faults.FaultProxy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.TopologyAdmin;
import dev.keel.testbrokers.ListenerCertificates;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.contract.FaultedStream;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on a secured JMS broker's own TLS listener (client certificates required, host name verification on), the
 * same for Artemis and ActiveMQ Classic ({@link ArtemisTlsFaultsTest}, {@link ActiveMQClassicTlsFaultsTest}): the
 * broker restarted presenting an expired certificate of the trusted CA, or one of the trusted CA for another host
 * ({@code other.invalid}; the client connects to 127.0.0.1), is refused with a non-retriable
 * {@link AccessRefusedException} naming the problem and its fix: a running subscription that meets it on its
 * reconnect stops {@code FAILED}, a new adapter's publish fails at once and stores nothing, its subscribe fails; once
 * the broker presents a valid certificate again a new consumer handles every message published before and meanwhile,
 * each once. A certificate renewed within the same CA (another key), and one of a new CA that the running adapter
 * already trusts beside the old one, are accepted by a running publisher and subscription on their reconnect; a
 * kill -9 and restart mid-stream over TLS, and every connection cut and refused for a few seconds by a fault proxy in
 * front of the TLS listener, lose nothing confirmed and handle nothing twice. Under
 * {@code EFFECTIVELY_ONCE} with the harness's TLS Redis as the idempotency store; the handler counts each payload.
 * The broker is the test JVM's secured one, shared: each test gives it its own certificate back.
 */
abstract class JmsTlsFaultsTestBase {

    static final String GROUP = "billing";
    static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final int MESSAGES = 240; // a quarter of it a whole number of batches
    /** How long the proxy refuses new connections after it cut every one, at least. */
    private static final Duration HELD_DOWN = Duration.ofSeconds(4);

    final TestCertificates certificates = TestCertificates.get();
    final String user = "keel-tls-faults-" + UUID.randomUUID().toString().substring(0, 8);
    final String password = "pw-" + UUID.randomUUID();
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    private final String keyPrefix = UniqueNames.of("jms-tls-faults");
    private final String redisUser = "keel-" + keyPrefix;
    private final String redisPassword = "pw-" + UUID.randomUUID();
    private BrokerAdapter plain;
    private Keel plainPublisher;
    private String topic;
    private boolean changed;
    private FaultProxy proxy;

    /** An adapter of the secured broker's plain listener, as its admin: it declares, publishes, deletes. */
    abstract BrokerAdapter plainAdapter();

    /** An adapter of the TLS listener as {@code user}, trusting the run's CA, presenting the client certificate. */
    final BrokerAdapter tlsAdapter(String user, String password) {
        return tlsAdapter(user, password, certificates.trustStore());
    }

    /** An adapter of the TLS listener as {@code user}, trusting the CAs of {@code trustStore} (PKCS12). */
    abstract BrokerAdapter tlsAdapter(String user, String password, Path trustStore);

    /** An adapter of the TLS listener as {@link #tlsAdapter(String, String)}, through {@link #tlsProxy()}. */
    abstract BrokerAdapter proxiedTlsAdapter(String user, String password);

    /** The harness's fault proxy in front of the TLS listener (shared: healed after each test). */
    abstract FaultProxy tlsProxy();

    /** The TLS listener's {@code host:port}. */
    abstract String tlsAddress();

    /** Gives {@code user} every permission ({@code admin}). */
    abstract void putAdmin(String user, String password);

    abstract void removeUser(String user);

    /** Kills the broker (-9) and starts it again, its TLS listener presenting {@code which}. */
    abstract void restartPresenting(ServerCertificate which);

    /** Kills the broker (-9) and starts it again on the same ports and data. */
    abstract void killAndRestart();

    @BeforeEach
    void declareTopic() {
        putAdmin(user, password);
        SecuredRedis.local().putUser(redisUser, redisPassword, "~" + keyPrefix + ":*", "-@all", "+get", "+set", "+del",
                "+eval", "+evalsha");
        topic = "keel-tls-faults-" + UUID.randomUUID().toString().substring(0, 8);
        plain = plainAdapter();
        plainPublisher = Keel.builder(plain).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().timeout(PATIENCE).build()).build();
        plainPublisher.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
    }

    @AfterEach
    void restoreTheBrokersCertificate() {
        if (proxy != null) {
            proxy.heal();
        }
        try {
            if (changed) {
                present(ServerCertificate.CURRENT);
            }
        } finally {
            try {
                if (plainPublisher != null) {
                    plainPublisher.close();
                    // its connections may be those of before a restart: tried again until one answers
                    await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() ->
                            ((TopologyAdmin) plain).deleteTopology(topic));
                }
            } finally {
                if (plain != null) {
                    try {
                        plain.close();
                    } catch (Exception ignored) {
                        // closed
                    }
                }
                removeUser(user);
            }
        }
    }

    @Test
    void anExpiredServerCertificateShouldBeRefusedAtOnceNamingItAndTheMessagesKept() {
        refusedThenRenewed(ServerCertificate.EXPIRED, "the server's certificate has expired",
                "renew the server's certificate");
    }

    @Test
    void aServerCertificateForAnotherHostShouldBeRefusedAtOnceNamingItAndTheMessagesKept() {
        refusedThenRenewed(ServerCertificate.OTHER_HOST, "does not name the host the client connected to",
                "connect by a name or address the certificate lists");
    }

    /**
     * The broker's certificate replaced by another of the same CA (a renewal, a new key), the broker restarted: a
     * running adapter, which trusts only that CA, reconnects and goes on publishing and consuming; each message
     * handled once.
     */
    @Test
    void aCertificateRenewedWithinTheSameCaShouldBeAcceptedByARunningAdapterOnItsReconnect() {
        rotateUnder(certificates.trustStore(), ServerCertificate.RENEWED);
    }

    /**
     * The broker's certificate replaced by one of a new CA, the broker restarted: a running adapter whose trust store
     * holds both CAs (the client side of a rotation, done first) reconnects and goes on; each message handled once.
     */
    @Test
    void aCertificateRotatedToANewCaShouldBeAcceptedByARunningAdapterThatTrustsBothCas(@TempDir Path dir) {
        rotateUnder(ListenerCertificates.trustingBothCas(dir), ServerCertificate.ROTATED);
    }

    /** A running publisher and subscription trusting {@code trustStore}; the broker restarted presenting {@code next}.
     */
    private void rotateUnder(Path trustStore, ServerCertificate next) {
        try (IdempotencyStore store = store();
             BrokerAdapter adapter = tlsAdapter(user, password, trustStore);
             Keel keel = Keel.builder(adapter).idempotencyStore(store)
                     .publisherConfig(PublisherConfig.custom().timeout(PATIENCE).build()).build()) {
            Subscription subscription = keel.subscribe(subscription(), this::handle);
            publish(keel, "before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5);

            present(next);
            publish(keel, "after", 10);

            await().atMost(PATIENCE).until(() -> handled.size() == 15);
            await().atMost(PATIENCE).until(() -> subscription.state() == Subscription.State.RUNNING);
        }
        assertThat(handled).allSatisfy((payload, times) -> assertThat(times.get()).as(payload).isEqualTo(1));
    }

    /**
     * The broker killed (-9) and restarted while a Keel publishes and consumes over TLS: every confirmed message is
     * handled, none twice, the publishes that failed are retriable, and the subscription is {@code RUNNING} again.
     * The stream stops after its first quarter until the kill begins, so it hits mid-stream.
     */
    @Test
    void aBrokerKilledAndRestartedMidStreamShouldLoseNothingConfirmedNorHandleAnythingTwiceOverTls()
            throws Exception {
        try (IdempotencyStore store = store();
             BrokerAdapter adapter = tlsAdapter(user, password);
             Keel keel = Keel.builder(adapter).idempotencyStore(store)
                     .publisherConfig(PublisherConfig.custom().timeout(PATIENCE).build()).build()) {
            Subscription subscription = keel.subscribe(subscription(), this::handle);
            FaultedStream stream = FaultedStream.start(keel, topic, MESSAGES);
            stream.awaitFirstQuarter(PATIENCE);

            stream.resume(); // the rest is published while the broker is killed and as it comes back
            killAndRestart();
            stream.finish(Duration.ofSeconds(180));

            assertThat(stream.confirmed().size()).as("publishing went on after the fault").isGreaterThanOrEqualTo(
                    MESSAGES * 3 / 4);
            assertRetriable(stream.failed().values());
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(handled.keySet())
                    .containsAll(stream.confirmed()));
            await().atMost(PATIENCE).until(() -> subscription.state() == Subscription.State.RUNNING);
        }
        assertHandledOnceEach();
    }

    /**
     * Every connection of a publisher and a subscription over TLS cut by the proxy in front of the TLS listener, and
     * new ones refused for a few seconds, then let through: every confirmed message is handled, none twice; the
     * publishes cut fail with a retriable error and succeed when sent again with the same id (handled once, whether
     * or not the first attempt reached the broker); the subscription, {@code RECONNECTING} while they are refused, is
     * {@code RUNNING} again by itself. Every reconnection is a new TLS handshake through the proxy, verifying the host
     * name {@code 127.0.0.1}.
     */
    @Test
    void connectionsCutAndHeldDownMidStreamShouldLoseNothingConfirmedNorHandleAnythingTwiceOverTls()
            throws Exception {
        proxy = tlsProxy();
        try (IdempotencyStore store = store();
             BrokerAdapter adapter = proxiedTlsAdapter(user, password);
             Keel keel = Keel.builder(adapter).idempotencyStore(store)
                     .publisherConfig(PublisherConfig.custom().timeout(PATIENCE).build()).build()) {
            Subscription subscription = keel.subscribe(subscription(), this::handle);
            FaultedStream stream = FaultedStream.start(keel, topic, MESSAGES);
            stream.awaitFirstQuarter(PATIENCE);
            assertThat(proxy.openConnections()).as("the adapter's connections through the proxy").isPositive();

            proxy.refuse(true);
            proxy.cut();
            stream.resume(); // the next quarter is published into the cut
            // held down for HELD_DOWN at least, until publishes have failed and the subscription is reconnecting
            await().pollDelay(HELD_DOWN).atMost(PATIENCE).until(() -> !stream.failed().isEmpty()
                    && subscription.state() == Subscription.State.RECONNECTING);
            proxy.refuse(false);
            stream.finish(Duration.ofSeconds(180));

            assertThat(stream.confirmed().size()).as("publishing went on after the fault").isGreaterThanOrEqualTo(
                    MESSAGES * 3 / 4);
            assertRetriable(stream.failed().values());
            for (String id : stream.failed().keySet()) { // sent again once the network is back: the same message
                keel.publisher().publish(topic, FaultedStream.message(id));
            }
            assertThat(proxy.openConnections()).as("connections opened again through the proxy").isPositive();
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(handled.keySet())
                    .containsAll(stream.confirmed()).containsAll(stream.failed().keySet()));
            assertThat(handled).as("handled: what was confirmed, and what was sent again")
                    .hasSize(stream.confirmed().size() + stream.failed().size());
            await().atMost(PATIENCE).until(() -> subscription.state() == Subscription.State.RUNNING);
            System.out.printf("%s: connections cut and refused; %d publishes confirmed, %d cut (%s) and sent again, "
                    + "%d messages handled%n", getClass().getSimpleName(), stream.confirmed().size(),
                    stream.failed().size(), stream.failed().values().stream().map(e -> e.getClass().getSimpleName())
                            .distinct().toList(), handled.size());
        }
        assertHandledOnceEach();
    }

    private static void assertRetriable(Collection<Throwable> failures) {
        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class)
                .matches(k -> ((KeelException) k).isRetriable(), "retriable"));
    }

    private void assertHandledOnceEach() {
        assertThat(handled).allSatisfy((id, times) -> assertThat(times.get()).as("times %s was handled", id)
                .isEqualTo(1));
    }

    /**
     * A running subscription over TLS; the broker restarted presenting {@code bad}: the subscription fails with the
     * refusal, a new adapter's publish and subscribe are refused at once; the broker given a valid certificate again,
     * a new consumer handles everything published before and meanwhile, each once.
     */
    private void refusedThenRenewed(ServerCertificate bad, String problem, String fix) {
        try (IdempotencyStore store = store();
             BrokerAdapter adapter = tlsAdapter(user, password);
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            Subscription running = keel.subscribe(subscription(), this::handle);
            publish(plainPublisher, "before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5);

            present(bad);

            await().atMost(PATIENCE).until(() -> running.state() == Subscription.State.FAILED);
            assertRefused(running.failure().orElseThrow(), problem, fix);
        }
        publish(plainPublisher, "while-refused", 5);

        try (BrokerAdapter adapter = tlsAdapter(user, password);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            long start = System.nanoTime();
            Throwable publish = catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k")
                    .publish());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertRefused(publish, problem, fix);
            assertThat(took).as("refused at once, not retried").isLessThan(Duration.ofSeconds(15));

            Throwable subscribe = catchThrowable(() -> keel.subscribe(SubscriptionConfig.builder(topic, GROUP,
                    Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), this::handle));
            assertRefused(subscribe, problem, fix);
        }
        assertThat(handled).as("handled while the certificate was refused").hasSize(5);

        present(ServerCertificate.CURRENT); // renewed on the broker, restarted
        try (IdempotencyStore store = store();
             BrokerAdapter adapter = tlsAdapter(user, password);
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.subscribe(subscription(), this::handle);
            await().atMost(PATIENCE).until(() -> handled.size() == 10);
            // of the refused publish's key: had the refused message been stored, it would be handled before this one
            plainPublisher.publisher(topic, Codec.utf8()).message("after-the-fix").key("k").publish();
            await().atMost(PATIENCE).until(() -> handled.containsKey("after-the-fix"));
        }
        assertThat(handled).hasSize(11).doesNotContainKey("refused")
                .allSatisfy((payload, times) -> assertThat(times.get()).as(payload).isEqualTo(1));
    }

    private void assertRefused(Throwable refused, String problem, String fix) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining(problem).hasMessageContaining(fix).hasMessageContaining("not retried")
                .hasMessageNotContaining(password).hasMessageNotContaining(certificates.password());
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    /** Restarts the broker presenting {@code which} on its TLS listener, and checks that the listener presents it. */
    private void present(ServerCertificate which) {
        changed = which != ServerCertificate.CURRENT;
        restartPresenting(which);
        X509Certificate expected = ListenerCertificates.read(certificates.serverCertificate(which));
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                ListenerCertificates.presentedAt(tlsAddress()).equals(expected));
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }

    private void handle(dev.keel.Delivery<String> delivery) {
        handled.computeIfAbsent(delivery.payload(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** Each message with an id of its own, tried again until the broker takes it: a retry is the same message. */
    private void publish(Keel keel, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            String payload = prefix + "-" + i;
            Message message = Message.builder(payload, Codec.utf8()).id(topic + "-" + payload).key("k" + i).build();
            await().atMost(PATIENCE).ignoreExceptions().until(() -> {
                keel.publisher().publish(topic, message);
                return true;
            });
        }
    }

    /** A store on the harness's TLS Redis with this test's key prefix: every consumer of the test shares its marks. */
    private IdempotencyStore store() {
        SecuredRedis redis = SecuredRedis.local();
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .user(redisUser).password(redisPassword)
                .sslSocketFactory(redis.certificates().clientContext().getSocketFactory()).keyPrefix(keyPrefix)
                .build());
    }
}
