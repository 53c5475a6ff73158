package dev.keel.spring.boot.starter;

import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.RabbitEndpoint;
import java.util.UUID;

/**
 * The user SASL EXTERNAL logs in on the harness's private RabbitMQ node: the CN of the run's client certificate
 * ({@code ssl_cert_login_from = common_name}), with no password and every permission on the test's virtual host.
 */
final class CertificateUser {

    static final String NAME = "keel-test-client";

    private CertificateUser() {
    }

    static void add() {
        RabbitEndpoint rabbit = Brokers.rabbit();
        rabbit.tlsPort();
        rabbit.rabbitmqctl("add_user", NAME, "pw-" + UUID.randomUUID());
        rabbit.rabbitmqctl("clear_password", NAME);
        rabbit.rabbitmqctl("set_permissions", "-p", rabbit.virtualHost(), NAME, ".*", ".*", ".*");
    }

    static void delete() {
        Brokers.rabbit().rabbitmqctl("delete_user", NAME);
    }
}
