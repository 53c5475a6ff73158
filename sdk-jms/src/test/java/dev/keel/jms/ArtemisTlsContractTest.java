package dev.keel.jms;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredArtemis;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testkit.contract.TlsContract;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/**
 * The TLS contract on the secured Artemis's TLS acceptor (needClientAuth), as a user of the role {@code app}: only
 * createAddress, createDurableQueue, send and consume (docs/security.md), and the TLS Redis as the idempotency store.
 * The URL turns on the Artemis client's host name verification ({@code verifyHost=true}: off by default).
 */
class ArtemisTlsContractTest extends TlsContract {

    private final SecuredArtemis artemis = SecuredArtemis.local();
    private final String user = "keel-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();

    @Override
    protected void grantLeastPrivileges(String topic, String group) {
        artemis.putUser(user, password, SecuredArtemis.APP);
    }

    @AfterEach
    void removeUser() {
        artemis.removeUser(user);
    }

    @Override
    protected BrokerAdapter adapterOverTls(Certificates certificates) {
        TestCertificates tls = TestCertificates.get();
        String url = switch (certificates) {
            case TRUSTED -> artemis.tlsUrl(tls.trustStore(), tls.clientKeyStore());
            case UNTRUSTED_SERVER -> artemis.tlsUrl(tls.untrustedTrustStore(), tls.clientKeyStore());
            case NO_CLIENT_CERTIFICATE -> artemis.tlsUrl(tls.trustStore(), null);
        };
        // with TLS 1.3 the broker refuses a client certificate after the client's side of the handshake; the client
        // notices when its first call times out (callTimeout, 30 s by default): 5 s here
        return new ArtemisAdapter(ArtemisTestSupport.config(url + "&callTimeout=5000").credentials(user, password)
                .build());
    }

    @Override
    protected boolean checksClientCertificates() {
        return true;
    }

    @Override
    protected IdempotencyStore idempotencyStore() {
        return TlsRedisStore.create("artemis-tls");
    }
}
