package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rocket.RocketAdapter;
import dev.keel.rocket.RocketConfig;
import dev.keel.testbrokers.TestCertificates;
import javax.net.ssl.X509KeyManager;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code keel.rabbit.ssl-bundle} and {@code keel.activemq.ssl-bundle}: a Spring Boot SSL bundle
 * ({@code spring.ssl.bundle.*}) gives the adapter its own trust material and client certificate instead of the JVM's
 * {@code javax.net.ssl.*} stores; a name no bundle has fails the start naming the property and where to define it,
 * without the bundle's passwords. No broker is reached (the adapters connect on first use; the secured suite's
 * one-dependency tests connect with them).
 */
class SslBundlePropertiesTest {

    private static final TestCertificates TLS = TestCertificates.get();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
            .withConfiguration(KeelAutoConfigurationTest.KEEL)
            .withPropertyValues("keel.idempotency.store=in-memory",
                    "spring.ssl.bundle.jks.keel.truststore.location=file:" + TLS.trustStore(),
                    "spring.ssl.bundle.jks.keel.truststore.type=PKCS12",
                    "spring.ssl.bundle.jks.keel.truststore.password=" + TLS.password(),
                    "spring.ssl.bundle.jks.keel.keystore.location=file:" + TLS.clientKeyStore(),
                    "spring.ssl.bundle.jks.keel.keystore.type=PKCS12",
                    "spring.ssl.bundle.jks.keel.keystore.password=" + TLS.password());

    private final ApplicationContextRunner classic = runner.withClassLoader(new FilteredClassLoader(
            KafkaAdapter.class, RabbitAdapter.class, RocketAdapter.class,
            org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory.class));

    private final ApplicationContextRunner rocket = new ApplicationContextRunner()
            .withConfiguration(KeelAutoConfigurationTest.KEEL).withPropertyValues("keel.idempotency.store=in-memory",
                    "keel.broker=rocket", "keel.rocket.name-server=127.0.0.1:9876");

    @Test
    void aRabbitSslBundleShouldGiveTheConnectionItsContextAndTurnTlsOn() {
        runner.withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=amqp://app:pw@rabbit.internal/orders",
                "keel.rabbit.ssl-bundle=keel").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RabbitAdapter.class);
                    assertThat(context.getBean(RabbitAdapter.class).config().sslContext()).isPresent();
                    assertThat(context.getBean(RabbitAdapter.class).config().tls()).isTrue();
                });
    }

    @Test
    void anActivemqSslBundleShouldGiveTheAdapterTheBundlesKeyAndTrustManagers() {
        classic.withPropertyValues("keel.activemq.url=ssl://activemq.internal:61617", "keel.activemq.ssl-bundle=keel")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ActiveMQClassicAdapter.class);
                    var config = context.getBean(ActiveMQClassicAdapter.class).config();
                    assertThat(config.trustManagers()).get().asList().isNotEmpty();
                    assertThat(config.keyManagers().orElseThrow()).singleElement().isInstanceOfSatisfying(X509KeyManager.class,
                            keys -> assertThat(keys.getCertificateChain(keys.chooseClientAlias(new String[] {"RSA", "EC"}, null,
                                    null))).as("the bundle's client certificate").isNotEmpty());
                });
    }

    @Test
    void aBundleNameNoBundleHasShouldFailTheStartNamingThePropertyWithoutPasswords() {
        runner.withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=amqps://rabbit.internal/orders",
                "keel.rabbit.ssl-bundle=orders-tls").run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("keel.rabbit.*: ssl-bundle names the SSL bundle 'orders-tls'")
                        .hasStackTraceContaining("spring.ssl.bundle.jks.orders-tls")
                        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(TLS.password())));
        classic.withPropertyValues("keel.activemq.url=ssl://activemq.internal:61617",
                "keel.activemq.ssl-bundle=orders-tls").run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("keel.activemq.*: ssl-bundle names the SSL bundle 'orders-tls'"));
    }

    /**
     * RocketMQ takes PEM files, not a bundle (rocketmq-client reads them itself, JVM-wide): keel.rocket.tls-*
     * reach RocketConfig; a client certificate without its key or a trust is refused.
     */
    @Test
    void rocketTlsPropertiesShouldReachTheAdaptersConfig() {
        rocket.withPropertyValues("keel.rocket.tls-trusted-certificates=" + TLS.caCertificate(),
                "keel.rocket.tls-client-certificate=" + TLS.clientCertificate(),
                "keel.rocket.tls-client-key=" + TLS.clientKey())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RocketConfig config = context.getBean(RocketAdapter.class).config();
                    assertThat(config.tls()).isTrue();
                    assertThat(config.tlsTrustedCertificates()).contains(TLS.caCertificate());
                    assertThat(config.tlsClientCertificate()).contains(TLS.clientCertificate());
                    assertThat(config.tlsClientKey()).contains(TLS.clientKey());
                });
        rocket.withPropertyValues("keel.rocket.tls-client-certificate=" + TLS.clientCertificate())
                .run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("tls-client-certificate and tls-client-key go together"));
    }

    /**
     * Outside review, findings 4 and 5: key material rocketmq-client cannot use (here a password given to a key that
     * is not encrypted, and the key of another certificate) passed the start and failed at first use, naming neither
     * file nor property. The start fails naming both, without the password.
     */
    @Test
    void rocketKeyMaterialThatCannotBeUsedShouldFailTheStartNamingTheFilesAndProperties() {
        ApplicationContextRunner withTrust = rocket.withPropertyValues(
                "keel.rocket.tls-trusted-certificates=" + TLS.caCertificate(),
                "keel.rocket.tls-client-certificate=" + TLS.clientCertificate());
        withTrust.withPropertyValues("keel.rocket.tls-client-key=" + TLS.clientKey(),
                "keel.rocket.tls-client-key-password=key-secret").run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("keel.rocket.*: tls-client-certificate, tls-client-key and "
                                + "tls-client-key-password")
                        .hasStackTraceContaining("the key " + TLS.clientKey() + " is not encrypted")
                        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("key-secret")));
        withTrust.withPropertyValues("keel.rocket.tls-client-key=" + TLS.serverKey()).run(context -> assertThat(context)
                .getFailure().hasStackTraceContaining("keel.rocket.*: tls-client-certificate, tls-client-key")
                .hasStackTraceContaining("the key " + TLS.serverKey() + " is not the key of the certificate "
                        + TLS.clientCertificate()));
    }

    /** Fifth adversarial review: a bundle with the plain port failed after 11 s as an outage ("check it runs"). */
    @Test
    void aBundleWithAPlainConnectionShouldFailTheStartSayingSo() {
        runner.withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=amqp://rabbit.internal:5672/orders",
                "keel.rabbit.ssl-bundle=keel").run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("keel.rabbit.*: ssl-bundle turns TLS on")
                        .hasStackTraceContaining("amqps://host:5671"));
        classic.withPropertyValues("keel.activemq.url=tcp://activemq.internal:61616", "keel.activemq.ssl-bundle=keel")
                .run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("keel.activemq.*: ssl-bundle applies to TLS connections only")
                        .hasStackTraceContaining("ssl://host:port"));
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter out = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }
}
