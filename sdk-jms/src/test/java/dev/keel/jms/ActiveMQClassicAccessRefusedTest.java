package dev.keel.jms;

import dev.keel.AccessRefusedException;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.SecuredActiveMQ;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.RefusedAccessContract;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The refused-access contract on an ActiveMQ Classic with security on (JAAS users; the roles admin, no-send and
 * no-consume on every destination, the advisory topics and temporary destinations open to all); a running subscription
 * is cut off by a new password and a broker restart.
 */
@UsesBrokers(BrokerKind.ACTIVEMQ)
class ActiveMQClassicAccessRefusedTest extends RefusedAccessContract {

    private final SecuredActiveMQ activemq = SecuredActiveMQ.local();

    @Override
    protected BrokerAdapter adminAdapter() {
        return adapterAs(activemq.adminUser(), activemq.adminPassword());
    }

    @Override
    protected void createUser(String user, String password, Grant grant, String topic, String group) {
        activemq.putUser(user, password, switch (grant) {
            case EVERYTHING -> SecuredActiveMQ.ADMIN;
            case NO_PUBLISH -> SecuredActiveMQ.NO_SEND;
            case NO_CONSUME -> SecuredActiveMQ.NO_CONSUME;
        });
    }

    @Override
    protected BrokerAdapter adapterAs(String user, String password) {
        return new ActiveMQClassicAdapter(ClassicTestSupport.config(activemq.url()).credentials(user, password).build());
    }

    @Override
    protected String cutOff(String user, String password, String topic, String group) {
        String rotated = "rotated-" + UUID.randomUUID();
        activemq.putUser(user, rotated, SecuredActiveMQ.ADMIN);
        activemq.restart(); // every connection lost: the consumer logs in again, with the old password
        return rotated;
    }

    @Override
    protected void restore(String user, String topic, String group) {
        // the new password is the access: nothing to give back
    }

    @Override
    protected void removeUser(String user) {
        activemq.removeUser(user);
    }

    @Test
    void aWrongPasswordShouldRefuseDeclaringATopicNamingTheUser() {
        String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
        activemq.putUser(user, "pw-" + UUID.randomUUID(), SecuredActiveMQ.ADMIN);
        try (BrokerAdapter adapter = adapterAs(user, "wrong");
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            Throwable refused = catchThrowable(() -> keel.ensureTopology(TopicSpec.builder(UniqueNames.of("other"))
                    .partitions(2).group("g").build()));

            assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageContaining(user)
                    .hasMessageContaining("refused the login").hasMessageContaining("user and password")
                    .hasMessageNotContaining("'admin'");
        } finally {
            activemq.removeUser(user);
        }
    }
}
