package dev.keel.jms;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredArtemis;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testkit.contract.ConcurrentBrokerContract;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The contract's core half (per-key order, retries, crashes of consumers, group changes, re-drive) on the secured
 * Artemis's TLS acceptor (needClientAuth; host name verification on with {@code verifyHost=true}), as a user of the
 * role {@code admin} (the tests declare and delete topics of their own; least permissions are
 * {@link ArtemisTlsContractTest}'s and {@code ArtemisLeastPrivilegeTest}'s). The faults the contract injects through a
 * {@code FaultInjectable} adapter are skipped, naming it, as on the plaintext acceptor.
 */
@Tag("secured")
class ArtemisCoreOverTlsContractTest extends ConcurrentBrokerContract {

    private static final String USER = "keel-core-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    @BeforeAll
    static void user() {
        SecuredArtemis.local().putUser(USER, PASSWORD, SecuredArtemis.ADMIN);
    }

    @AfterAll
    static void removeUser() {
        SecuredArtemis.local().removeUser(USER);
    }

    @Override
    protected BrokerAdapter createAdapter() {
        TestCertificates tls = TestCertificates.get();
        return new ArtemisAdapter(ArtemisTestSupport.config(SecuredArtemis.local().tlsUrl(tls.trustStore(),
                tls.clientKeyStore())).credentials(USER, PASSWORD).build());
    }
}
