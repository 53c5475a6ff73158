package dev.keel.rocket;

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
import dev.keel.testbrokers.ListenerCertificates;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.SecuredRocket;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.contract.FaultedStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on the harness's RocketMQ that speaks TLS only ({@link SecuredRocket#localOverTls()}: name server and broker
 * with {@code tls.server.mode=enforcing}, a client certificate required, ACL 2.0 on), as a user with the least ACLs
 * docs/security.md lists, under {@code EFFECTIVELY_ONCE} with the harness's TLS Redis as the idempotency store; the
 * handlers count each payload. The name server and broker restarted presenting another certificate
 * ({@link SecuredRocket#restartPresenting}): an expired one of the trusted CA is refused with a non-retriable
 * {@link AccessRefusedException} naming it and the fix, by a running subscription (which stops {@code FAILED}), a
 * running publisher and a new adapter, and nothing is lost once it is renewed; a renewed one for another host
 * (rocketmq-client checks no host name) is taken by a running publisher and subscription; one of a new CA by an
 * adapter that trusts both CAs, and refused by one that trusts only the old. Every connection to the broker cut and
 * refused for a few seconds by the fault proxy the name server routes clients to ({@link SecuredRocket#tlsProxy()}):
 * nothing confirmed lost, nothing handled twice. The servers are the test JVM's, shared: a test that changed their
 * certificate gives them the run's back. (A broker killed and restarted is {@link RocketBrokerRestartTest}'s, in
 * plaintext; over TLS every certificate case here restarts the servers under a running publisher and subscription,
 * which reconnect with a new handshake. Each restart of the pair takes a minute or more on a loaded 2-core machine.)
 */
@Tag("secured")
class RocketTlsFaultsTest {

    private static final String GROUP = "billing";
    private static final String OTHER_GROUP = "audit";
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /** Refused at once: not retried until a timeout (the publisher's is {@link #PATIENCE}). */
    private static final Duration AT_ONCE = Duration.ofSeconds(15);
    private static final int MESSAGES = 240; // a quarter of it a whole number of the stream's batches
    /** How long the proxy refuses new connections after it cut every one, at least. */
    private static final Duration HELD_DOWN = Duration.ofSeconds(4);
    private static final String EXPIRED = "the server's certificate has expired";
    private static final String RENEW = "renew the server's certificate";
    private static final String UNTRUSTED = "the client does not trust the server's certificate";
    private static final String ADD_THE_CA = "add the CA that signed it to the client's trust store";

    /** The topics of this class start with it: the user's ACLs are on that prefix. */
    private static final String PREFIX = "keel-tls-faults-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String USER = "keel-tls-faults-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static final String KEY_PREFIX = UniqueNames.of("rocket-tls-faults");
    private static final String REDIS_USER = "keel-" + KEY_PREFIX;
    private static final String REDIS_PASSWORD = "pw-" + UUID.randomUUID();

    private final SecuredRocket rocket = SecuredRocket.localOverTls();
    private final TestCertificates certificates = TestCertificates.get();
    private final String topic = PREFIX + "-" + UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> audited = new ConcurrentHashMap<>();
    private boolean changed;
    private FaultProxy proxy;

    /**
     * One user for the class, with exactly the ACLs docs/security.md lists for an application that declares,
     * publishes to and consumes a topic as a group (on the class's topic prefix), and a Redis user for the store.
     */
    @BeforeAll
    static void createUsers() {
        SecuredRocket rocket = SecuredRocket.localOverTls();
        rocket.putUser(USER, PASSWORD);
        rocket.allow(USER, "Topic:" + PREFIX + "*", SecuredRocket.PUB, SecuredRocket.SUB, SecuredRocket.CREATE);
        rocket.allow(USER, "Group:" + GROUP + "_" + PREFIX + "*", SecuredRocket.SUB, SecuredRocket.CREATE);
        rocket.allow(USER, "Group:" + OTHER_GROUP + "_" + PREFIX + "*", SecuredRocket.SUB, SecuredRocket.CREATE);
        SecuredRedis.local().putUser(REDIS_USER, REDIS_PASSWORD, "~" + KEY_PREFIX + ":*", "-@all", "+get", "+set",
                "+del", "+eval", "+evalsha");
    }

    @AfterAll
    static void removeUser() {
        SecuredRocket.localOverTls().removeUser(USER);
    }

    @AfterEach
    void restoreTheServersCertificate() {
        if (proxy != null) {
            proxy.heal();
        }
        if (changed) {
            present(ServerCertificate.CURRENT);
        }
    }

    /**
     * The name server and broker restarted presenting an expired certificate of the trusted CA: a running subscription
     * stops {@code FAILED}, a running publisher's next publish and a new adapter's publish are refused at once and
     * not stored, a new adapter's subscribe is refused, each with a non-retriable {@link AccessRefusedException}
     * naming the expiry and the renewal. Renewed (the run's certificate again, a restart), the refused publish sent
     * again with its id and a new consumer of the group handle every message published before the fault, and the one
     * refused, once each.
     */
    @Test
    void anExpiredServerCertificateShouldStopARunningSubscriptionAndRefusePublishesAtOnceLosingNothing() {
        Message refusedWhileRunning = message("during-0", "k0");
        try (IdempotencyStore store = store();
             RocketAdapter adapter = adapter(certificates.caCertificate());
             Keel keel = keel(adapter, store)) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
            Subscription running = keel.subscribe(subscription(GROUP), d -> count(handled, d.payload()));
            publish(keel, "before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5);
            publish(keel, "just-before", 5); // confirmed, handled before or after the fault: once either way

            present(ServerCertificate.EXPIRED);

            await().atMost(PATIENCE).until(() -> running.state() == Subscription.State.FAILED);
            assertRefused(running.failure().orElseThrow(), EXPIRED, RENEW);
            assertRefusedAtOnce(() -> keel.publisher().publish(topic, refusedWhileRunning), EXPIRED, RENEW);
        }
        try (RocketAdapter adapter = adapter(certificates.caCertificate());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefusedAtOnce(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k").publish(),
                    EXPIRED, RENEW);
            assertRefused(catchThrowable(() -> keel.subscribe(SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> count(handled, d.payload()))),
                    EXPIRED, RENEW);
        }

        present(ServerCertificate.CURRENT); // renewed on the servers, restarted
        try (IdempotencyStore store = store();
             RocketAdapter adapter = adapter(certificates.caCertificate());
             Keel keel = keel(adapter, store)) {
            keel.subscribe(subscription(GROUP), d -> count(handled, d.payload()));
            publishUntilConfirmed(keel, refusedWhileRunning); // the refused publish, sent again: the same message
            await().atMost(PATIENCE).until(() -> handled.size() == 11);
            // of the refused publish's key: had the refused message been stored, it would be handled before this one
            publish(keel, message("after-the-fix", "k"));
            await().atMost(PATIENCE).until(() -> handled.containsKey("after-the-fix"));
        }
        assertThat(handled).hasSize(12).doesNotContainKey("refused").containsKey("during-0");
        assertHandledOnceEach(handled);
    }

    /**
     * The name server and broker restarted presenting a renewed certificate of the trusted CA (another key) for
     * {@code other.invalid} only, then the run's again: a running publisher and subscription of an adapter that trusts
     * that CA go on across the two restarts, and so does a new adapter on the certificate for another host, which
     * rocketmq-client accepts since it checks no host name (docs/security.md says so).
     */
    @Test
    void aRenewedCertificateOfTheTrustedCaEvenForAnotherHostShouldBeTakenByARunningAdapter() {
        try (IdempotencyStore store = store();
             RocketAdapter adapter = adapter(certificates.caCertificate());
             Keel keel = keel(adapter, store)) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
            Subscription subscription = keel.subscribe(subscription(GROUP), d -> count(handled, d.payload()));
            publish(keel, "before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5);

            present(ServerCertificate.OTHER_HOST); // renewed, for other.invalid; the clients connect to 127.0.0.1
            publish(keel, "other-host", 5);
            try (RocketAdapter another = adapter(certificates.caCertificate());
                 Keel newcomer = Keel.builder(another).withoutIdempotencyStore().build()) {
                newcomer.publisher(topic, Codec.utf8()).message("new-adapter").key("k").publish();
            }
            await().atMost(PATIENCE).until(() -> handled.size() == 11);

            present(ServerCertificate.CURRENT);
            publish(keel, "back", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 16);
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
        }
        assertHandledOnceEach(handled);
    }

    /**
     * The name server and broker restarted presenting a certificate of a new CA: a running adapter that trusts both
     * CAs (the client side of a rotation, done first) goes on publishing and consuming; one that trusts only the old
     * CA has its subscription stopped {@code FAILED} and its publish refused at once, not retriable, saying to add the
     * CA. Rotated back to the run's certificate, the first goes on, and a new consumer of the second's group handles
     * what it missed; each message once per group.
     */
    @Test
    void aCertificateOfANewCaShouldBeTakenByAnAdapterTrustingItAndRefusedByOneTrustingOnlyTheOld(@TempDir Path dir)
            throws IOException {
        try (IdempotencyStore store = store();
             RocketAdapter both = adapter(bothCas(dir));
             Keel keel = keel(both, store);
             RocketAdapter old = adapter(certificates.caCertificate());
             Keel oldKeel = keel(old, store)) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).group(OTHER_GROUP).build());
            Subscription subscription = keel.subscribe(subscription(GROUP), d -> count(handled, d.payload()));
            Subscription oldSubscription = oldKeel.subscribe(subscription(OTHER_GROUP),
                    d -> count(audited, d.payload()));
            publish(oldKeel, "before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5 && audited.size() == 5);

            present(ServerCertificate.ROTATED);
            publish(keel, "rotated", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 10);
            await().atMost(PATIENCE).until(() -> oldSubscription.state() == Subscription.State.FAILED);
            assertRefused(oldSubscription.failure().orElseThrow(), UNTRUSTED, ADD_THE_CA);
            assertRefusedAtOnce(() -> oldKeel.publisher().publish(topic, message("refused", "k")), UNTRUSTED,
                    ADD_THE_CA);

            present(ServerCertificate.CURRENT);
            publish(keel, "back", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 15);
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
        }
        try (IdempotencyStore store = store();
             RocketAdapter adapter = adapter(certificates.caCertificate());
             Keel keel = keel(adapter, store)) {
            keel.subscribe(subscription(OTHER_GROUP), d -> count(audited, d.payload()));
            await().atMost(PATIENCE).until(() -> audited.size() == 15);
        }
        assertThat(handled).doesNotContainKey("refused");
        assertThat(audited).containsOnlyKeys(handled.keySet());
        assertHandledOnceEach(handled);
        assertHandledOnceEach(audited);
    }

    /**
     * Every connection of a publisher and a subscription to the broker cut by the proxy the name server routes clients
     * to, and new ones refused for a few seconds, then let through: every confirmed message is handled, none twice;
     * the publishes cut fail with a retriable error (a handshake cut short is no refused certificate) and succeed when
     * sent again with the same id (handled once, whether or not the first attempt reached the broker); the
     * subscription stays {@code RUNNING} and receives again by itself. Every reconnection is a new TLS handshake
     * through the proxy.
     */
    @Test
    void connectionsCutAndHeldDownMidStreamShouldLoseNothingConfirmedNorHandleAnythingTwiceOverTls()
            throws Exception {
        proxy = rocket.tlsProxy();
        try (IdempotencyStore store = store();
             // a send cut off fails within seconds, retriable (the default sendTimeout is 10 s)
             RocketAdapter adapter = new RocketAdapter(config(certificates.caCertificate())
                     .sendTimeout(Duration.ofSeconds(2)).build());
             Keel keel = keel(adapter, store)) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
            Subscription subscription = keel.subscribe(subscription(GROUP), d -> count(handled, d.payload()));
            FaultedStream stream = FaultedStream.start(keel, topic, MESSAGES);
            stream.awaitFirstQuarter(PATIENCE);
            assertThat(proxy.openConnections()).as("the adapter's connections through the proxy").isPositive();

            proxy.refuse(true);
            proxy.cut();
            stream.resume(); // the next quarter is published into the cut
            // held down for HELD_DOWN at least, until publishes have failed
            await().pollDelay(HELD_DOWN).atMost(PATIENCE).until(() -> !stream.failed().isEmpty());
            proxy.refuse(false);
            stream.finish(Duration.ofSeconds(180));

            assertThat(stream.confirmed().size()).as("publishing went on after the fault")
                    .isGreaterThanOrEqualTo(MESSAGES * 3 / 4);
            assertRetriable(stream.failed().values());
            resend(keel, stream.failed().keySet()); // once the network is back: the same messages
            assertThat(proxy.openConnections()).as("connections opened again through the proxy").isPositive();
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(handled.keySet())
                    .containsAll(stream.confirmed()).containsAll(stream.failed().keySet()));
            assertThat(handled).as("handled: what was confirmed, and what was sent again")
                    .hasSize(stream.confirmed().size() + stream.failed().size());
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
            System.out.printf("RocketTlsFaultsTest: connections cut and refused; %d publishes confirmed, %d cut (%s) "
                    + "and sent again, %d messages handled%n", stream.confirmed().size(), stream.failed().size(),
                    stream.failed().values().stream().map(e -> e.getClass().getSimpleName()).distinct().toList(),
                    handled.size());
        }
        assertHandledOnceEach(handled);
    }

    /** An adapter of the TLS name server as the class's user, trusting {@code trusted} (PEM), with its certificate. */
    private RocketAdapter adapter(Path trusted) {
        return new RocketAdapter(config(trusted).build());
    }

    private RocketConfig.Builder config(Path trusted) {
        return RocketAccessRefusedTest.config(rocket).credentials(USER, PASSWORD).tls(trusted)
                .clientCertificate(certificates.clientCertificate(), certificates.clientKey(), null);
    }

    private static Keel keel(RocketAdapter adapter, IdempotencyStore store) {
        return Keel.builder(adapter).idempotencyStore(store)
                .publisherConfig(PublisherConfig.custom().timeout(PATIENCE).build()).build();
    }

    /** A PEM file of the run's CA and the second CA, which signed {@link ServerCertificate#ROTATED}. */
    private Path bothCas(Path dir) throws IOException {
        Path both = dir.resolve("both-cas.pem");
        Files.writeString(both, Files.readString(certificates.caCertificate())
                + Files.readString(certificates.rotatedCaCertificate()));
        return both;
    }

    /**
     * Restarts the name server and broker presenting {@code which}, and checks that both present it (the broker through
     * the address the name server hands to clients).
     */
    private void present(ServerCertificate which) {
        changed = which != ServerCertificate.CURRENT;
        rocket.restartPresenting(which);
        X509Certificate expected = ListenerCertificates.read(certificates.serverCertificate(which));
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                ListenerCertificates.presentedAt(rocket.nameServer()).equals(expected)
                        && ListenerCertificates.presentedAt(rocket.brokerAddress()).equals(expected));
    }

    private SubscriptionConfig<String> subscription(String group) {
        return SubscriptionConfig.builder(topic, group, Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }

    private static void count(Map<String, AtomicInteger> counts, String payload) {
        counts.computeIfAbsent(payload, k -> new AtomicInteger()).incrementAndGet();
    }

    /** A message of its own id (the topic and the payload): sent again, it is the same message. */
    private Message message(String payload, String key) {
        return Message.builder(payload, Codec.utf8()).id(topic + "-" + payload).key(key).build();
    }

    private void publish(Keel keel, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            publish(keel, message(prefix + "-" + i, "k" + i));
        }
    }

    /** Publishes once: the servers present a certificate the publisher takes, so it must be confirmed. */
    private void publish(Keel keel, Message message) {
        keel.publisher().publish(topic, message);
    }

    /** Publishes again until confirmed (connections are being made again after a fault). */
    private void publishUntilConfirmed(Keel keel, Message message) {
        await().atMost(PATIENCE).ignoreExceptions().until(() -> {
            keel.publisher().publish(topic, message);
            return true;
        });
    }

    /** Publishes the stream's messages {@code ids} again, all at once, each again until confirmed. */
    private void resend(Keel keel, Collection<String> ids) {
        Set<String> left = ConcurrentHashMap.newKeySet();
        left.addAll(ids);
        await().atMost(PATIENCE).until(() -> {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (String id : List.copyOf(left)) {
                sent.add(keel.publisher().publishAsync(topic, FaultedStream.message(id)).toCompletableFuture()
                        .thenRun(() -> left.remove(id)));
            }
            sent.forEach(f -> f.handle((done, failed) -> null).join());
            return left.isEmpty();
        });
    }

    private static void assertRefusedAtOnce(Runnable publish, String problem, String fix) {
        long start = System.nanoTime();
        Throwable refused = catchThrowable(publish::run);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertRefused(refused, problem, fix);
        assertThat(took).as("refused at once, not retried until the publisher's timeout").isLessThan(AT_ONCE);
    }

    private static void assertRefused(Throwable refused, String problem, String fix) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageContaining(problem)
                .hasMessageContaining(fix).hasMessageNotContaining(PASSWORD)
                .hasMessageNotContaining(TestCertificates.get().password());
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    private static void assertRetriable(Collection<Throwable> failures) {
        assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class)
                .matches(k -> ((KeelException) k).isRetriable(), "retriable"));
    }

    private static void assertHandledOnceEach(Map<String, AtomicInteger> counts) {
        assertThat(counts).allSatisfy((payload, times) -> assertThat(times.get()).as("times %s was handled", payload)
                .isEqualTo(1));
    }

    /** A store on the harness's TLS Redis with the class's key prefix: every consumer shares its marks. */
    private static IdempotencyStore store() {
        SecuredRedis redis = SecuredRedis.local();
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .user(REDIS_USER).password(REDIS_PASSWORD)
                .sslSocketFactory(redis.certificates().clientContext().getSocketFactory()).keyPrefix(KEY_PREFIX)
                .build());
    }
}
