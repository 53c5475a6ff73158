package dev.keel.spring.boot.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.boot.autoconfigure.OneDependencyScenario;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.SecuredActiveMQ;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UsesBrokers;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The guide's promise over TLS with the adapter's own stores from the starter: {@code keel.activemq.url=ssl://...}
 * and {@code keel.activemq.ssl-bundle} naming a Spring Boot SSL bundle ({@code spring.ssl.bundle.jks.*}) with the run's
 * CA and client certificate, on the secured broker's TLS connector (which asks every client for a certificate), in a
 * JVM whose {@code javax.net.ssl.*} stores are not set.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.REDIS)
class ActiveMQSslBundleOneDependencyTest extends OneDependencyScenario {

    private static final String USER = "bundle-" + UUID.randomUUID();
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    @BeforeAll
    static void user() {
        assertThat(System.getProperty("javax.net.ssl.trustStore")).isNull();
        assertThat(System.getProperty("javax.net.ssl.keyStore")).isNull();
        SecuredActiveMQ.local().putUser(USER, PASSWORD, SecuredActiveMQ.ADMIN);
    }

    @AfterAll
    static void removeUser() {
        SecuredActiveMQ.local().removeUser(USER);
    }

    @Override
    protected String brokerAddressProperty() {
        return "keel.activemq.url=" + SecuredActiveMQ.local().tlsUrl();
    }

    @Override
    protected List<String> securityProperties() {
        TestCertificates tls = TestCertificates.get();
        return List.of("keel.activemq.user=" + USER, "keel.activemq.password=" + PASSWORD,
                "keel.activemq.ssl-bundle=activemq",
                "spring.ssl.bundle.jks.activemq.truststore.location=file:" + tls.trustStore(),
                "spring.ssl.bundle.jks.activemq.truststore.type=PKCS12",
                "spring.ssl.bundle.jks.activemq.truststore.password=" + tls.password(),
                "spring.ssl.bundle.jks.activemq.keystore.location=file:" + tls.clientKeyStore(),
                "spring.ssl.bundle.jks.activemq.keystore.type=PKCS12",
                "spring.ssl.bundle.jks.activemq.keystore.password=" + tls.password());
    }

    @Override
    protected Class<? extends BrokerAdapter> adapterType() {
        return ActiveMQClassicAdapter.class;
    }
}
