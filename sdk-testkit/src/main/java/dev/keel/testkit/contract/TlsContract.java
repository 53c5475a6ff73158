package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Keel's core path over TLS, as a least-privileged user: publish, consume and effectively-once (with an idempotency
 * store that may itself be over TLS) on a broker's TLS listener with host name verification on; and a certificate
 * problem (the server's certificate signed by a CA outside the client's trust store; no client certificate where the
 * broker asks for one) refused at once with a non-retriable {@link AccessRefusedException} that says what to fix, the
 * refused publish not stored, and every message left to a consumer with the right certificates. An adapter's test
 * extends it with a broker of the test harness that has a TLS listener (tagged {@code secured}: the
 * {@code -Psecured} profile runs it).
 */
@Tag("secured")
public abstract class TlsContract {

    /** The TLS material an adapter is given. */
    protected enum Certificates {
        /** The run's CA in the trust store, and the client certificate the CA signed. */
        TRUSTED,
        /** A trust store holding only a CA that signed nothing of the broker's; the client certificate. */
        UNTRUSTED_SERVER,
        /** The run's CA in the trust store, and no client certificate. */
        NO_CLIENT_CERTIFICATE
    }

    private static final String GROUP = "g";

    private final String topic = "keel-tls-" + UUID.randomUUID().toString().substring(0, 8);

    /**
     * Lets the test's least-privileged user declare, publish to and consume {@code topic} as {@code group}, and what
     * Keel adds to them (dead letters), nothing else; called once per test, before any adapter is made.
     */
    protected abstract void grantLeastPrivileges(String topic, String group);

    /** A new adapter on the broker's TLS listener, logged in as that user, with {@code certificates}. */
    protected abstract BrokerAdapter adapterOverTls(Certificates certificates);

    /** Whether the broker's TLS listener asks for a client certificate (then a missing one is refused). */
    protected abstract boolean checksClientCertificates();

    /** The idempotency store of the effectively-once test (for example a Redis over TLS); closed by the test. */
    protected abstract IdempotencyStore idempotencyStore();

    /** How long a broker may take to deliver or refuse. */
    protected Duration patience() {
        return Duration.ofSeconds(60);
    }

    @Test
    void everyMessagePublishedOverTlsShouldBeHandledOnceUnderEffectivelyOnce() {
        grantLeastPrivileges(topic, GROUP);
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        try (IdempotencyStore store = idempotencyStore();
             BrokerAdapter adapter = adapterOverTls(Certificates.TRUSTED);
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
            Subscription subscription = keel.subscribe(subscription(DeliveryGuarantee.EFFECTIVELY_ONCE),
                    d -> handled.computeIfAbsent(d.payload(), k -> new AtomicInteger()).incrementAndGet());
            for (int i = 0; i < 20; i++) {
                keel.publisher(topic, Codec.utf8()).message("m-" + i).id("id-" + i).key("k" + (i % 4)).publish();
            }
            // a producer's retry: the same id again, which the consumer recognises and skips
            keel.publisher(topic, Codec.utf8()).message("m-3").id("id-3").key("k3").publish();

            await().atMost(patience()).until(() -> handled.size() == 20);
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
            subscription.close();
        }
        assertThat(handled).allSatisfy((payload, times) -> assertThat(times.get()).as(payload).isEqualTo(1));
    }

    @Test
    void aServerCertificateOutsideTheTrustStoreShouldBeRefusedAtOnceAndLoseNothing() {
        grantLeastPrivileges(topic, GROUP);
        assertCertificateRefusalLosesNothing(Certificates.UNTRUSTED_SERVER, "trust store");
    }

    @Test
    void noClientCertificateWhereTheBrokerAsksForOneShouldBeRefusedAtOnceAndLoseNothing() {
        Assumptions.assumeTrue(checksClientCertificates(), "the broker's TLS listener asks for no client certificate");
        grantLeastPrivileges(topic, GROUP);
        assertCertificateRefusalLosesNothing(Certificates.NO_CLIENT_CERTIFICATE, "key store");
    }

    private void assertCertificateRefusalLosesNothing(Certificates wrong, String advice) {
        try (BrokerAdapter good = adapterOverTls(Certificates.TRUSTED);
             Keel keel = Keel.builder(good).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
            for (int i = 0; i < 5; i++) {
                keel.publisher(topic, Codec.utf8()).message("before-" + i).key("k" + i).publish();
            }
            try (BrokerAdapter refusedAdapter = adapterOverTls(wrong);
                 Keel refused = Keel.builder(refusedAdapter).withoutIdempotencyStore().build()) {
                assertRefused(catchThrowable(() -> refused.publisher(topic, Codec.utf8()).message("refused").key("k")
                        .publish()), advice);
                assertRefused(subscribeFailure(refused), advice);
            }
            List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            keel.subscribe(subscription(DeliveryGuarantee.AT_LEAST_ONCE), d -> got.add(d.payload()));
            await().atMost(patience()).until(() -> got.size() >= 5);
            assertThat(got).as("every message, none refused").containsExactlyInAnyOrder("before-0", "before-1",
                    "before-2", "before-3", "before-4");
        }
    }

    private Throwable subscribeFailure(Keel keel) {
        return catchThrowable(() -> {
            Subscription s = keel.subscribe(subscription(DeliveryGuarantee.AT_LEAST_ONCE), d -> { });
            // a broker may refuse only the first fetch (Kafka): the subscription then fails with the refusal
            await().atMost(patience()).until(() -> s.state() == Subscription.State.FAILED);
            throw s.failure().orElseThrow();
        });
    }

    private static void assertRefused(Throwable refused, String advice) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageContaining("certificate")
                .hasMessageContaining(advice);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    private SubscriptionConfig<String> subscription(DeliveryGuarantee guarantee) {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(guarantee)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }
}
