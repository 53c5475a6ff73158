package dev.keel.rabbit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.RefusedAccessContract;
import java.util.UUID;

/**
 * The refused-access contract on the harness's RabbitMQ node, with users and permissions made by rabbitmqctl; a
 * running subscription is cut off by a new password and the broker closing its consuming connection (before, the
 * refused reconnect was a retriable BrokerUnavailableException, retried for ever).
 */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitRefusedAccessContractTest extends RefusedAccessContract {

    private final RabbitEndpoint rabbit = RabbitTestSupport.rabbit();

    @Override
    protected BrokerAdapter adminAdapter() {
        assumeTrue(rabbit.supportsNodeCommands(), "adds users with rabbitmqctl on the harness's node");
        return new RabbitAdapter(RabbitTestSupport.config().build());
    }

    @Override
    protected void createUser(String user, String password, Grant grant, String topic, String group) {
        rabbit.rabbitmqctl("add_user", user, password);
        String all = ".*";
        String write = grant == Grant.NO_PUBLISH ? "^(?!" + quote(topic) + "$).*" : all;
        String read = grant == Grant.NO_CONSUME ? "^(?!" + quote(topic + "." + group) + "\\.[0-9]+$).*" : all;
        rabbit.rabbitmqctl("set_permissions", "-p", RabbitTestSupport.config().build().virtualHost(), user, all, write,
                read);
    }

    @Override
    protected BrokerAdapter adapterAs(String user, String password) {
        return new RabbitAdapter(RabbitTestSupport.config().username(user).password(password).connectionName(user)
                .build());
    }

    @Override
    protected String cutOff(String user, String password, String topic, String group) {
        String rotated = "rotated-" + UUID.randomUUID();
        rabbit.rabbitmqctl("change_password", user, rotated);
        RabbitNodeConnections.close(rabbit, user + "-consume");
        return rotated;
    }

    @Override
    protected void restore(String user, String topic, String group) {
        // the new password is the access: nothing to give back
    }

    @Override
    protected void removeUser(String user) {
        rabbit.rabbitmqctl("delete_user", user);
    }

    private static String quote(String name) {
        return name.replace(".", "\\.").replace("-", "\\-");
    }
}
