package dev.keel.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.SecuredActiveMQ;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UniqueNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Keel over the secured ActiveMQ Classic's TLS connector (needClientAuth). The Classic client takes its trust and key
 * stores from the JVM ({@code javax.net.ssl.*}) only, so each case runs in a JVM of its own ({@link ClassicTlsClient})
 * with the stores it needs; what it did comes back as lines. Host name verification on (the Classic client's default
 * for {@code ssl://}): the client connects to 127.0.0.1, which the server certificate names.
 */
@Tag("secured")
class ActiveMQClassicTlsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final String GROUP = "g";

    private final SecuredActiveMQ activemq = SecuredActiveMQ.local();
    private final TestCertificates tls = TestCertificates.get();
    private final String topic = "keel-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private final String user = "keel-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();

    @AfterEach
    void removeUser() {
        activemq.removeUser(user);
    }

    @Test
    void everyMessagePublishedOverTlsShouldBeHandledOnceUnderEffectivelyOnce() {
        activemq.putUser(user, password, SecuredActiveMQ.ADMIN);
        SecuredRedis redis = SecuredRedis.local();
        String keyPrefix = UniqueNames.of("classic-tls");
        String redisUser = "keel-" + keyPrefix;
        String redisPassword = "pw-" + UUID.randomUUID();
        redis.putUser(redisUser, redisPassword, "~" + keyPrefix + ":*", "-@all", "+get", "+set", "+del", "+eval",
                "+evalsha");
        try (ForkedJvm client = fork("roundtrip", tls.trustStore(), tls.clientKeyStore(), redis.host(),
                String.valueOf(redis.port()), redisUser, redisPassword, keyPrefix)) {
            client.awaitLineContaining("client-finished", PATIENCE);
            assertThat(client.lines()).contains("handled=20 repeated=0");
        }
    }

    @Test
    void aServerCertificateOutsideTheTrustStoreShouldBeRefusedAtOnceAndLoseNothing() {
        assertRefusedLosingNothing(tls.untrustedTrustStore(), tls.clientKeyStore(), "trust store");
    }

    @Test
    void noClientCertificateShouldBeRefusedAtOnceAndLoseNothing() {
        assertRefusedLosingNothing(tls.trustStore(), null, "key store");
    }

    private void assertRefusedLosingNothing(Path trustStore, Path keyStore, String advice) {
        activemq.putUser(user, password, SecuredActiveMQ.ADMIN);
        try (ActiveMQClassicAdapter admin = new ActiveMQClassicAdapter(ClassicTestSupport.config(activemq.url())
                .credentials(activemq.adminUser(), activemq.adminPassword()).build());
             Keel keel = Keel.builder(admin).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
            for (int i = 0; i < 5; i++) {
                keel.publisher(topic, Codec.utf8()).message("before-" + i).key("k" + i).publish();
            }
            try (ForkedJvm client = fork("refused", trustStore, keyStore)) {
                client.awaitLineContaining("client-finished", PATIENCE);
                for (String what : List.of("publish", "subscribe")) {
                    assertThat(client.lines()).as(what).anySatisfy(line -> assertThat(line)
                            .startsWith(what + "-failed AccessRefusedException|retriable=false|")
                            .contains("certificate").contains(advice).doesNotContain(password));
                }
            }
            List<String> got = new CopyOnWriteArrayList<>();
            keel.subscribe(SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> got.add(d.payload()));
            await().atMost(Duration.ofSeconds(60)).until(() -> got.size() >= 5);
            assertThat(got).containsExactlyInAnyOrder("before-0", "before-1", "before-2", "before-3", "before-4");
        }
    }

    private ForkedJvm fork(String mode, Path trustStore, Path keyStore, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(mode, activemq.tlsUrl(), user, password, topic, GROUP,
                trustStore.toString(), keyStore == null ? "-" : keyStore.toString()));
        args.addAll(List.of(more));
        return ForkedJvm.builder(ClassicTlsClient.class).args(args.toArray(String[]::new))
                .environment("KEEL_TLS_STORE_PASSWORD", tls.password()).start();
    }
}
