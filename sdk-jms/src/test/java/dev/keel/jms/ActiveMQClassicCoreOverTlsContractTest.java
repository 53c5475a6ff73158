package dev.keel.jms;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredActiveMQ;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testkit.contract.ConcurrentBrokerContract;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The contract's core half (per-key order, retries, crashes of consumers, group changes, re-drive) on the secured
 * ActiveMQ Classic's TLS connector (which asks every client for a certificate), with the adapter's own trust and key
 * stores ({@link ActiveMQClassicConfig.Builder#trustStore}, {@code keyStore}; no {@code javax.net.ssl.*}), as a user of
 * the role {@code admin} (the tests declare and delete topics of their own). The faults the contract injects through a
 * {@code FaultInjectable} adapter are skipped, naming it, as on the plaintext connector.
 */
@Tag("secured")
class ActiveMQClassicCoreOverTlsContractTest extends ConcurrentBrokerContract {

    private static final String USER = "keel-core-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    @BeforeAll
    static void user() {
        SecuredActiveMQ.local().putUser(USER, PASSWORD, SecuredActiveMQ.ADMIN);
    }

    @AfterAll
    static void removeUser() {
        SecuredActiveMQ.local().removeUser(USER);
    }

    @Override
    protected BrokerAdapter createAdapter() {
        TestCertificates tls = TestCertificates.get();
        return new ActiveMQClassicAdapter(ClassicTestSupport.config(SecuredActiveMQ.local().tlsUrl())
                .credentials(USER, PASSWORD).trustStore(tls.trustStore(), "PKCS12", tls.password())
                .keyStore(tls.clientKeyStore(), "PKCS12", tls.password()).build());
    }
}
