package dev.keel.jms;

import dev.keel.faults.FaultProxy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredActiveMQ;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;

/**
 * {@link JmsTlsFaultsTestBase}'s faults on the secured ActiveMQ Classic's TLS connector ({@code needClientAuth}; host
 * name verification on, the Classic client's default for {@code ssl://}), the adapter with its own trust and key stores
 * ({@link ActiveMQClassicConfig.Builder#trustStore}, {@code keyStore}): an expired certificate and one for another host
 * refused; a renewed one, and one of a new CA the adapter trusts already, accepted on a running adapter's reconnect; a
 * kill -9 and restart mid-stream; every connection cut and held down by {@link SecuredActiveMQ#tlsProxy()}. The broker
 * restarted by {@link SecuredActiveMQ#restartPresenting} or {@link SecuredActiveMQ#restart()}.
 */
@Tag("secured")
class ActiveMQClassicTlsFaultsTest extends JmsTlsFaultsTestBase {

    private final SecuredActiveMQ activemq = SecuredActiveMQ.local();

    @Override
    BrokerAdapter plainAdapter() {
        return new ActiveMQClassicAdapter(ClassicTestSupport.config(activemq.url())
                .credentials(activemq.adminUser(), activemq.adminPassword()).build());
    }

    @Override
    BrokerAdapter tlsAdapter(String user, String password, Path trustStore) {
        return new ActiveMQClassicAdapter(ClassicTestSupport.config(activemq.tlsUrl()).credentials(user, password)
                .sendTimeout(Duration.ofSeconds(10))
                .trustStore(trustStore, "PKCS12", certificates.password())
                .keyStore(certificates.clientKeyStore(), "PKCS12", certificates.password()).build());
    }

    @Override
    BrokerAdapter proxiedTlsAdapter(String user, String password) {
        return new ActiveMQClassicAdapter(ClassicTestSupport.config(activemq.proxiedTlsUrl())
                .credentials(user, password).sendTimeout(Duration.ofSeconds(10))
                .trustStore(certificates.trustStore(), "PKCS12", certificates.password())
                .keyStore(certificates.clientKeyStore(), "PKCS12", certificates.password()).build());
    }

    @Override
    FaultProxy tlsProxy() {
        return activemq.tlsProxy();
    }

    @Override
    String tlsAddress() {
        return activemq.tlsUrl().substring("ssl://".length());
    }

    @Override
    void putAdmin(String user, String password) {
        activemq.putUser(user, password, SecuredActiveMQ.ADMIN);
    }

    @Override
    void removeUser(String user) {
        activemq.removeUser(user);
    }

    @Override
    void restartPresenting(ServerCertificate which) {
        activemq.restartPresenting(which);
    }

    @Override
    void killAndRestart() {
        activemq.restart();
    }
}
