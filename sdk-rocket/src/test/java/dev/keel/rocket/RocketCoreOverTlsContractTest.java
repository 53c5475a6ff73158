package dev.keel.rocket;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredRocket;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testkit.contract.ConcurrentBrokerContract;
import java.time.Duration;
import org.junit.jupiter.api.Tag;

/**
 * The contract's core half (per-key order, retries, crashes of consumers, group changes, re-drive) on the harness's
 * RocketMQ that speaks TLS only ({@link SecuredRocket#localOverTls()}: name server and broker with
 * {@code tls.server.mode=enforcing}, a client certificate required, ACL 2.0 on), as its super user (the tests make
 * topics and groups of their own; least privileges over TLS are {@link RocketTlsContractTest}'s). The faults the
 * contract injects through a {@code FaultInjectable} adapter are skipped, naming it, as on plaintext.
 */
@Tag("secured")
class RocketCoreOverTlsContractTest extends ConcurrentBrokerContract {

    private final SecuredRocket rocket = SecuredRocket.localOverTls();

    @Override
    protected BrokerAdapter createAdapter() {
        TestCertificates tls = TestCertificates.get();
        return new RocketAdapter(RocketConfig.custom().nameServer(rocket.nameServer()).clientId("keel-tls")
                .commitInterval(Duration.ofMillis(200)) // as RocketTestSupport's adapter on plaintext
                .credentials(rocket.adminUser(), rocket.adminPassword())
                .tls(tls.caCertificate()).clientCertificate(tls.clientCertificate(), tls.clientKey(), null).build());
    }
}
