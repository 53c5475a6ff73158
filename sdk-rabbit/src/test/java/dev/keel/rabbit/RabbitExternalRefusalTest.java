package dev.keel.rabbit;

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
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SASL EXTERNAL refused by RabbitMQ, on the harness's private node's TLS listener: a client certificate whose name is
 * no RabbitMQ user, a certificate user without access to the virtual host, and a broker that does not offer EXTERNAL.
 * Each is a non-retriable {@link AccessRefusedException} (not an outage to wait out) naming EXTERNAL, the certificate's
 * user and what to do on the broker; the messages published meanwhile are all there once the broker is fixed.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.RABBIT)
class RabbitExternalRefusalTest {

    private static final String GROUP = "g";
    private static final int MESSAGES = 5;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
    private final String topic = RabbitTestSupport.unique("external");
    private CertificateUser user;
    private RabbitAdapter admin;
    private Keel adminKeel;

    @BeforeEach
    void publishAsAdmin() {
        user = CertificateUser.of(rabbit);
        user.delete();
        admin = new RabbitAdapter(RabbitTestSupport.config().build());
        adminKeel = Keel.builder(admin).withoutIdempotencyStore().build();
        adminKeel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
        IntStream.range(0, MESSAGES).forEach(i ->
                adminKeel.publisher(topic, Codec.utf8()).message("m-" + i).key("k" + i).publish());
    }

    @AfterEach
    void cleanUp() {
        if (adminKeel != null) {
            adminKeel.close();
            admin.deleteTopology(topic);
            admin.close();
        }
        if (user != null) {
            user.delete();
        }
    }

    @Test
    void aCertificateWhoseNameIsNoUserShouldBeRefusedNamingItAndLoseNothing() {
        assertRefusedThenConsumed("refused the EXTERNAL login", "rabbitmqctl add_user " + user.name());
    }

    @Test
    void aCertificateUserWithoutAccessToTheVirtualHostShouldBeRefusedNamingIt() {
        rabbit.rabbitmqctl("add_user", user.name(), "unused");
        rabbit.rabbitmqctl("clear_password", user.name());

        assertRefusedThenConsumed("access to virtual host", "rabbitmqctl set_permissions");
    }

    @Test
    void aBrokerThatDoesNotOfferExternalShouldBeRefusedNamingWhatItNeeds() {
        user.createFor(topic);
        try (RabbitNodeSetting plainOnly = RabbitNodeSetting.set(rabbit, "auth_mechanisms", "['PLAIN','AMQPLAIN']")) {
            assertRefused("does not offer", "rabbitmq_auth_mechanism_ssl");
        }
        assertConsumedAsTheCertificateUser();
    }

    /** Refused with these words; then, with the user created and granted the topic, every message consumed once. */
    private void assertRefusedThenConsumed(String problem, String fix) {
        assertRefused(problem, fix);
        user.createFor(topic);
        assertConsumedAsTheCertificateUser();
    }

    /** A publish and a subscription with the client certificate: both refused, naming EXTERNAL and the user. */
    private void assertRefused(String problem, String fix) {
        try (RabbitAdapter adapter = new RabbitAdapter(user.config(TestCertificates.get().clientContext()).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefusal(catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k")
                    .publish()), problem, fix);
            assertRefusal(catchThrowable(() -> {
                Subscription s = keel.subscribe(subscription(), d -> { });
                await().atMost(PATIENCE).until(() -> s.state() == Subscription.State.FAILED);
                throw s.failure().orElseThrow();
            }), problem, fix);
        }
    }

    private void assertRefusal(Throwable refused, String problem, String fix) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageContaining("EXTERNAL")
                .hasMessageContaining(user.name()).hasMessageContaining(problem).hasMessageContaining(fix)
                .hasMessageNotContaining(TestCertificates.get().password());
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    private void assertConsumedAsTheCertificateUser() {
        List<String> got = new CopyOnWriteArrayList<>();
        try (RabbitAdapter adapter = new RabbitAdapter(user.config(TestCertificates.get().clientContext()).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.subscribe(subscription(), d -> got.add(d.payload()));
            await().atMost(PATIENCE).until(() -> got.size() >= MESSAGES);
        }
        assertThat(got).as("every message, none refused, each once")
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, MESSAGES).mapToObj(i -> "m-" + i).toList());
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }
}
