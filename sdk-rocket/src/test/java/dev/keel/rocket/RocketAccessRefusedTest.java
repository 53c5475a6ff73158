package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.retry.RetryPolicy;
import dev.keel.rocket.internal.Names;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredRocket;
import dev.keel.testkit.contract.RefusedAccessContract;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The refused-access contract on a RocketMQ broker with ACL 2.0 on ({@link SecuredRocket}): users with an access key
 * and secret key, and ACLs on topics and groups. A running subscription is cut off by removing its user's ACLs (the
 * broker authorizes every request: the next pull is refused). The ACLs granted are the least docs/security.md lists
 * for an application that declares, publishes to and consumes one topic as one group.
 */
class RocketAccessRefusedTest extends RefusedAccessContract {

    private final SecuredRocket rocket = SecuredRocket.local();

    @Override
    protected BrokerAdapter adminAdapter() {
        return adapterAs(rocket.adminUser(), rocket.adminPassword());
    }

    @Override
    protected void createUser(String user, String password, Grant grant, String topic, String group) {
        rocket.putUser(user, password);
        grant(rocket, user, grant, topic, group);
    }

    /**
     * The least an application needs on topic {@code T} as Keel group {@code G} (docs/security.md): on {@code Topic:T*}
     * (the topic, its dead-letter topic {@code T_DLT} and retry topics {@code T_<group>_RETRY}) Pub, Sub, Create,
     * Update and Get; on {@code Group:G_T*} (the RocketMQ group Keel names {@code G_T_<hash>}) Sub, Create, Update and
     * Get. Without the permission to publish: Pub on {@code Topic:T_*} only (dead letters and retries), not on
     * {@code T}; without the permission to consume: nothing on the group.
     */
    static void grant(SecuredRocket rocket, String user, Grant grant, String topic, String group) {
        if (grant == Grant.NO_PUBLISH) {
            rocket.allow(user, "Topic:" + topic, SecuredRocket.SUB, SecuredRocket.CREATE, SecuredRocket.UPDATE,
                    SecuredRocket.GET);
            rocket.allow(user, "Topic:" + topic + "_*", SecuredRocket.PUB, SecuredRocket.SUB, SecuredRocket.CREATE,
                    SecuredRocket.UPDATE, SecuredRocket.GET);
        } else {
            rocket.allow(user, "Topic:" + topic + "*", SecuredRocket.PUB, SecuredRocket.SUB, SecuredRocket.CREATE,
                    SecuredRocket.UPDATE, SecuredRocket.GET);
        }
        if (grant != Grant.NO_CONSUME) {
            rocket.allow(user, "Group:" + group + "_" + topic + "*", SecuredRocket.SUB, SecuredRocket.CREATE,
                    SecuredRocket.UPDATE, SecuredRocket.GET);
        }
    }

    @Override
    protected BrokerAdapter adapterAs(String user, String password) {
        return new RocketAdapter(config(rocket).credentials(user, password).build());
    }

    static RocketConfig.Builder config(SecuredRocket rocket) {
        return RocketConfig.custom().nameServer(rocket.nameServer()).clientId("keel-secured")
                .commitInterval(Duration.ofMillis(200)).adminTimeout(Duration.ofSeconds(10));
    }

    @Override
    protected String cutOff(String user, String password, String topic, String group) {
        rocket.revokeAll(user); // the broker authorizes every request: the next pull is refused
        return password;
    }

    @Override
    protected void restore(String user, String topic, String group) {
        grant(rocket, user, Grant.EVERYTHING, topic, group);
    }

    @Override
    protected void removeUser(String user) {
        rocket.removeUser(user);
    }

    @Test
    void anEnsureTopologyWithoutThePermissionToCreateShouldBeRefusedNamingWhatToGrant() {
        String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        String topic = "keel-refused-" + UUID.randomUUID().toString().substring(0, 8);
        rocket.putUser(user, password);
        rocket.allow(user, "Topic:" + topic + "*", SecuredRocket.PUB, SecuredRocket.SUB, SecuredRocket.GET);
        try (BrokerAdapter adapter = adapterAs(user, password);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Throwable refused = catchThrowable(() -> keel.ensureTopology(TopicSpec.builder(topic).partitions(2)
                    .group("g").build()));
            assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageNotContaining(password)
                    .hasMessageContaining("grant User:" + user + " Create or Update on Topic:" + topic);
            assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
        } finally {
            rocket.removeUser(user);
        }
    }

    @Test
    void noCredentialsShouldBeRefusedSayingToGiveThem() {
        try (BrokerAdapter adapter = new RocketAdapter(config(rocket).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Throwable refused = catchThrowable(() -> keel.publisher(topic(), Codec.utf8()).message("m").key("k")
                    .publish());
            assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageContaining("credentials");
        }
    }

    /**
     * A user with exactly the ACLs of {@link #grant} declares its topic, publishes, consumes, retries, dead-letters and
     * delays on it.
     */
    @Test
    void aLeastPrivilegedUserShouldDeclarePublishConsumeRetryDelayAndDeadLetter() {
        String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        String topic = "keel-least-" + UUID.randomUUID().toString().substring(0, 8);
        rocket.putUser(user, password);
        grant(rocket, user, Grant.EVERYTHING, topic, "g");
        try {
            declarePublishConsumeRetryDelayAndDeadLetter(adapterAs(user, password), topic);
        } finally {
            rocket.removeUser(user);
        }
    }

    /**
     * With {@code adapter} (closed here): declares {@code topic} with group {@code g}, publishes five messages, a
     * delayed one and a poison one, and awaits the six handled and the poison one dead-lettered after a retry.
     */
    static void declarePublishConsumeRetryDelayAndDeadLetter(BrokerAdapter adapter, String topic) {
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Set<String> deadLetters = ConcurrentHashMap.newKeySet();
        try (adapter; Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                    .retryPolicy(RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(50)).build())
                    .build(), d -> {
                        if (d.payload().equals("poison")) {
                            throw new IllegalStateException("poison");
                        }
                        handled.add(d.payload());
                    });
            keel.subscribe(SubscriptionConfig.builder(Names.deadLetterTopic(topic), "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> deadLetters.add(d.payload()));
            for (int i = 0; i < 5; i++) {
                keel.publisher(topic, Codec.utf8()).message("m-" + i).key("k" + i).publish();
            }
            keel.publisher(topic, Codec.utf8()).message("delayed").key("k").delay(Duration.ofSeconds(1)).publish();
            keel.publisher(topic, Codec.utf8()).message("poison").key("p").publish();
            await().atMost(Duration.ofSeconds(90)).until(() -> handled.size() == 6 && deadLetters.contains("poison"));
        }
    }
}
