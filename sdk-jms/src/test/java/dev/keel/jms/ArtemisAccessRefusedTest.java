package dev.keel.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.SecuredArtemis;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.RefusedAccessContract;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The refused-access contract on an Artemis with security on (JAAS users; the roles admin, no-send and no-consume on
 * every address); a running subscription is cut off by a new password and a broker restart (before, it retried its
 * login for ever). Before, a refused login at {@code ensureTopology} was a TopologyException.
 */
@UsesBrokers(BrokerKind.ARTEMIS)
class ArtemisAccessRefusedTest extends RefusedAccessContract {

    private final SecuredArtemis artemis = SecuredArtemis.local();

    @Override
    protected BrokerAdapter adminAdapter() {
        return adapterAs(artemis.adminUser(), artemis.adminPassword());
    }

    @Override
    protected void createUser(String user, String password, Grant grant, String topic, String group) {
        artemis.putUser(user, password, switch (grant) {
            case EVERYTHING -> SecuredArtemis.ADMIN;
            case NO_PUBLISH -> SecuredArtemis.NO_SEND;
            case NO_CONSUME -> SecuredArtemis.NO_CONSUME;
        });
    }

    @Override
    protected BrokerAdapter adapterAs(String user, String password) {
        return ArtemisTestSupport.securedAdapter(artemis, user, password);
    }

    @Override
    protected String cutOff(String user, String password, String topic, String group) {
        String rotated = "rotated-" + UUID.randomUUID();
        artemis.putUser(user, rotated, SecuredArtemis.ADMIN);
        artemis.restart(); // every connection lost: the consumer logs in again, with the old password
        return rotated;
    }

    @Override
    protected void restore(String user, String topic, String group) {
        // the new password is the access: nothing to give back
    }

    @Override
    protected void removeUser(String user) {
        artemis.removeUser(user);
    }

    /** Review S3: the refused subscribe left the new group's durable queue, which then kept every message. */
    @Test
    void aRefusedSubscribeOfANewGroupShouldNotLeaveItsQueueBehind() {
        String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        artemis.putUser(user, password, SecuredArtemis.NO_CONSUME);
        try (BrokerAdapter adapter = adapterAs(user, password);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
             ArtemisAdapter admin = (ArtemisAdapter) adminAdapter()) {
            Throwable refused = catchThrowable(() -> keel.subscribe(SubscriptionConfig.builder(topic(), "fresh",
                    Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { }));

            assertThat(refused).isInstanceOf(AccessRefusedException.class);
            assertThat(admin.describeTopology(topic()).orElseThrow().groups()).as("groups of the topic")
                    .doesNotContain("fresh");
        } finally {
            artemis.removeUser(user);
        }
    }

    @Test
    void aWrongPasswordShouldRefuseDeclaringATopicNamingTheUser() {
        String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
        artemis.putUser(user, "pw-" + UUID.randomUUID(), SecuredArtemis.ADMIN);
        try (BrokerAdapter adapter = adapterAs(user, "wrong");
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Throwable refused = catchThrowable(() -> keel.ensureTopology(TopicSpec.builder(UniqueNames.of("other"))
                    .partitions(2).group("g").build()));

            assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageContaining(user)
                    .hasMessageContaining("refused the login").hasMessageContaining("user and password")
                    .hasMessageNotContaining("createAddress"); // review S4: a permission's advice for a login
        } finally {
            artemis.removeUser(user);
        }
    }
}
