package dev.keel.jms;

import dev.keel.faults.FaultProxy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredArtemis;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * {@link JmsTlsFaultsTestBase}'s faults on the secured Artemis's TLS acceptor ({@code needClientAuth}; host name
 * verification on with {@code verifyHost=true}): an expired certificate and one for another host refused; a renewed
 * one, and one of a new CA the adapter trusts already, accepted on a running adapter's reconnect; a kill -9 and restart
 * mid-stream; every connection cut and held down by {@link SecuredArtemis#tlsProxy()}. The broker restarted by
 * {@link SecuredArtemis#restartPresenting} or {@link SecuredArtemis#restart()}.
 */
@Tag("secured")
class ArtemisTlsFaultsTest extends JmsTlsFaultsTestBase {

    private final SecuredArtemis artemis = SecuredArtemis.local();

    @Override
    BrokerAdapter plainAdapter() {
        return ArtemisTestSupport.securedAdapter(artemis, artemis.adminUser(), artemis.adminPassword());
    }

    @Override
    BrokerAdapter tlsAdapter(String user, String password, Path trustStore) {
        // a send the broker leaves unanswered fails after callTimeout (30 s by default)
        return new ArtemisAdapter(ArtemisTestSupport.config(artemis.tlsUrl(trustStore,
                certificates.clientKeyStore()) + "&callTimeout=10000").credentials(user, password).build());
    }

    @Override
    BrokerAdapter proxiedTlsAdapter(String user, String password) {
        return new ArtemisAdapter(ArtemisTestSupport.config(artemis.proxiedTlsUrl(certificates.trustStore(),
                certificates.clientKeyStore()) + "&callTimeout=10000").credentials(user, password).build());
    }

    @Override
    FaultProxy tlsProxy() {
        return artemis.tlsProxy();
    }

    @Override
    String tlsAddress() {
        String url = artemis.tlsUrl(certificates.trustStore(), null);
        return url.substring(url.indexOf("://") + 3, url.indexOf('?'));
    }

    @Override
    void putAdmin(String user, String password) {
        artemis.putUser(user, password, SecuredArtemis.ADMIN);
    }

    @Override
    void removeUser(String user) {
        artemis.removeUser(user);
    }

    @Override
    void restartPresenting(ServerCertificate which) {
        artemis.restartPresenting(which);
    }

    @Override
    void killAndRestart() {
        artemis.restart();
    }
}
