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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * SASL EXTERNAL with the certificate from a Spring Boot SSL bundle: {@code keel.rabbit.uri=amqps://...
 * ?auth_mechanism=external} and {@code keel.rabbit.ssl-bundle} naming a bundle ({@code spring.ssl.bundle.jks.*}) with
 * the run's CA and client certificate ({@code CN=keel-test-client}, a user of the harness's node with no password);
 * the JVM's default TLS context is left as it is, so the login can only come from the bundle.
 */
@Tag("secured")
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class RabbitMqSslBundleExternalOneDependencyTest extends OneDependencyScenario {

    @BeforeAll
    static void certificateUser() {
        CertificateUser.add();
    }

    @AfterAll
    static void removeUser() {
        CertificateUser.delete();
    }

    @Override
    protected String brokerAddressProperty() {
        RabbitEndpoint rabbit = Brokers.rabbit();
        return "keel.rabbit.uri=amqps://" + rabbit.host() + ":" + rabbit.tlsPort() + "/"
                + URLEncoder.encode(rabbit.virtualHost(), StandardCharsets.UTF_8) + "?auth_mechanism=external";
    }

    @Override
    protected List<String> securityProperties() {
        TestCertificates tls = TestCertificates.get();
        return List.of("keel.rabbit.ssl-bundle=rabbit",
                "spring.ssl.bundle.jks.rabbit.truststore.location=file:" + tls.trustStore(),
                "spring.ssl.bundle.jks.rabbit.truststore.type=PKCS12",
                "spring.ssl.bundle.jks.rabbit.truststore.password=" + tls.password(),
                "spring.ssl.bundle.jks.rabbit.keystore.location=file:" + tls.clientKeyStore(),
                "spring.ssl.bundle.jks.rabbit.keystore.type=PKCS12",
                "spring.ssl.bundle.jks.rabbit.keystore.password=" + tls.password());
    }

    @Override
    protected Class<? extends BrokerAdapter> adapterType() {
        return RabbitAdapter.class;
    }
}
