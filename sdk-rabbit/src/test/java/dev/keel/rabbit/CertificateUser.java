package dev.keel.rabbit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.UUID;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLContext;

/**
 * The RabbitMQ user that the run's client certificate ({@link TestCertificates#clientCertificate()}) logs in as with
 * SASL EXTERNAL on the harness's private node's TLS listener ({@code ssl_cert_login_from = common_name}): the
 * certificate's common name, created with no password. Node-wide: create it in a test and {@link #delete()} it after.
 */
final class CertificateUser {

    private final RabbitEndpoint rabbit;
    private final String name;

    private CertificateUser(RabbitEndpoint rabbit, String name) {
        this.rabbit = rabbit;
        this.name = name;
    }

    /** The user of the run's client certificate on the harness's node; skips the test without a TLS listener. */
    static CertificateUser of(RabbitEndpoint rabbit) {
        assumeTrue(rabbit.supportsNodeCommands(), "needs the harness's private RabbitMQ node");
        rabbit.tlsPort(); // throws, naming -Psecured, without the TLS listener
        return new CertificateUser(rabbit, commonName());
    }

    /** The CN of the run's client certificate, read from it. */
    static String commonName() {
        try (InputStream in = Files.newInputStream(TestCertificates.get().clientCertificate())) {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            throw new IllegalStateException("the client certificate has no CN: " + certificate.getSubjectX500Principal());
        } catch (IOException | GeneralSecurityException | InvalidNameException e) {
            throw new IllegalStateException("cannot read the run's client certificate", e);
        }
    }

    String name() {
        return name;
    }

    /** Creates the user with no password (a certificate is its only credential) and lets it use {@code topic}. */
    CertificateUser createFor(String topic) {
        delete();
        rabbit.rabbitmqctl("add_user", name, "pw-" + UUID.randomUUID());
        rabbit.rabbitmqctl("clear_password", name);
        RabbitTlsContractTest.grantTopic(rabbit, name, topic);
        return this;
    }

    /** Deletes the user if it exists. */
    void delete() {
        if (rabbit.rabbitmqctl("list_users", "--quiet", "--no-table-headers").lines()
                .anyMatch(line -> line.split("\\s+")[0].equals(name))) {
            rabbit.rabbitmqctl("delete_user", name);
        }
    }

    /** An adapter config for the node's TLS listener that logs in with SASL EXTERNAL over {@code context}. */
    RabbitConfig.Builder config(SSLContext context) {
        return RabbitConfig.custom().host(rabbit.host()).port(rabbit.tlsPort()).virtualHost(rabbit.virtualHost())
                .sslContext(context).externalAuthentication().connectionName("keel-external")
                .recoveryInterval(Duration.ofMillis(500)).rebalanceInterval(Duration.ofMillis(500));
    }
}
