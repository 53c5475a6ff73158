package dev.keel.spring.boot.starter;

import dev.keel.rabbit.RabbitAdapter;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.boot.autoconfigure.OneDependencyScenario;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UsesBrokers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The guide's promise with SASL EXTERNAL: {@code keel.rabbit.uri=amqps://host:port/vhost?auth_mechanism=external} and no
 * user or password; the client certificate comes from the JVM's default TLS context (as {@code javax.net.ssl.keyStore}
 * gives it), set here to the run's client certificate ({@code CN=keel-test-client}), a user of the harness's private
 * node with no password.
 */
@Tag("secured")
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class RabbitMqExternalOneDependencyTest extends OneDependencyScenario {

    private static SSLContext jvmDefault;

    @BeforeAll
    static void certificateUserAndDefaultContext() throws NoSuchAlgorithmException {
        CertificateUser.add();
        jvmDefault = SSLContext.getDefault();
        SSLContext.setDefault(TestCertificates.get().clientContext());
    }

    @AfterAll
    static void restore() {
        if (jvmDefault != null) {
            SSLContext.setDefault(jvmDefault);
        }
        CertificateUser.delete();
    }

    @Override
    protected String brokerAddressProperty() {
        RabbitEndpoint rabbit = Brokers.rabbit();
        return "keel.rabbit.uri=amqps://" + rabbit.host() + ":" + rabbit.tlsPort() + "/"
                + URLEncoder.encode(rabbit.virtualHost(), StandardCharsets.UTF_8) + "?auth_mechanism=external";
    }

    @Override
    protected Class<? extends BrokerAdapter> adapterType() {
        return RabbitAdapter.class;
    }
}
