package dev.keel.rabbit;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.TlsContract;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;

/**
 * The TLS contract with SASL EXTERNAL ({@link AuthenticationMechanism#EXTERNAL}): no user name or password in the
 * config; the harness's private node takes the user from the client certificate's CN, a user created with no password
 * and the permissions docs/security.md lists for one topic. Declares, publishes and consumes under EFFECTIVELY_ONCE
 * (each message once); a server certificate outside the trust store, and no client certificate (which is then also no
 * credential), are refused at once, naming the certificate, with nothing lost.
 */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitExternalTlsContractTest extends TlsContract {

    private CertificateUser user;

    @Override
    protected void grantLeastPrivileges(String topic, String group) {
        user = CertificateUser.of(RabbitTestSupport.rabbit()).createFor(topic);
    }

    @AfterEach
    void removeUser() {
        if (user != null) {
            user.delete();
        }
    }

    @Override
    protected BrokerAdapter adapterOverTls(Certificates certificates) {
        TestCertificates tls = TestCertificates.get();
        SSLContext context = switch (certificates) {
            case TRUSTED -> tls.clientContext();
            case UNTRUSTED_SERVER -> tls.untrustingContext();
            case NO_CLIENT_CERTIFICATE -> tls.contextWithoutClientCertificate();
        };
        return new RabbitAdapter(user.config(context).build());
    }

    @Override
    protected boolean checksClientCertificates() {
        return true;
    }

    @Override
    protected IdempotencyStore idempotencyStore() {
        return RabbitTlsContractTest.TlsRedis.store(UniqueNames.of("rabbit-external"));
    }
}
