package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** Secrets never appear in /actuator/configprops (even with show-values=always) nor in the startup output. */
@ExtendWith(OutputCaptureExtension.class)
class SecretsTest {

    private static final String SECRET = "s3cret-Pa55";

    @Test
    void configpropsShouldMaskKeelsSecretsEvenWhenValuesAreShown(CapturedOutput output) {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=amqp://app:" + SECRET + "@127.0.0.1:5672/%2F",
                        "keel.rabbit.password=" + SECRET, "keel.redis.password=" + SECRET,
                        "keel.redis.uri=redis://:" + SECRET + "@127.0.0.1:6379", "keel.idempotency.store=none",
                        "keel.kafka.properties.sasl.jaas.config=PlainLoginModule required password=\"" + SECRET + "\";",
                        "keel.kafka.properties.security.protocol=SASL_SSL",
                        "keel.kafka.bootstrap-servers=127.0.0.1:9092")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    List<SanitizingFunction> functions = context.getBeanProvider(SanitizingFunction.class).stream()
                            .toList();
                    assertThat(functions).isNotEmpty();
                    ConfigurationPropertiesReportEndpoint endpoint = new ConfigurationPropertiesReportEndpoint(
                            functions, Show.ALWAYS);
                    endpoint.setApplicationContext(context);
                    String report = String.valueOf(endpoint.configurationPropertiesWithPrefix("keel").getContexts()
                            .values().iterator().next().getBeans().values().iterator().next().getProperties());

                    assertThat(report).doesNotContain(SECRET).contains("******").contains("SASL_SSL")
                            .contains("127.0.0.1:9092");
                    assertThat(output).doesNotContain(SECRET);
                });
    }

    /**
     * Review (F6): {@code keel.redis.uri} with a mistyped scheme ({@code redis//user:password@host}) failed the start
     * with the URI whole in the failure report and the WARN line ("uri scheme must be ... in redis//u:<pw>@...").
     */
    @Test
    void aRedisUriWithAMistypedSchemeShouldFailTheStartWithoutThePassword(CapturedOutput output) {
        for (String uri : List.of("redis//u:" + SECRET + "@127.0.0.1:6395", "u:" + SECRET + "@127.0.0.1:6395",
                "redis://127.0.0.1:6395?password=" + SECRET)) {
            new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                    .withPropertyValues("keel.broker=rabbit", "keel.rabbit.uri=amqp://127.0.0.1:1/%2F",
                            "keel.redis.uri=" + uri)
                    .run(context -> {
                        assertThat(context).hasFailed();
                        StringBuilder failure = new StringBuilder();
                        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                            failure.append(t).append('\n');
                        }
                        assertThat(failure.toString()).as(uri).contains("uri").doesNotContain(SECRET);
                    });
        }
        assertThat(output).doesNotContain(SECRET);
    }

    @Test
    void activemqSecretsShouldBeMaskedInConfigpropsInToStringAndInTheOutput(CapturedOutput output) {
        String url = "tcp://127.0.0.1:61616?jms.prefetchPolicy.all=10";
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withPropertyValues("keel.broker=activemq", "keel.activemq.url=" + url, "keel.activemq.user=app",
                        "keel.activemq.password=" + SECRET, "keel.idempotency.store=none")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    String report = configprops(context, "keel.activemq");

                    assertThat(report).doesNotContain(SECRET).contains("password=******")
                            .contains("tcp://127.0.0.1:61616?jms.prefetchPolicy.all=******").contains("app");
                    assertThat(context.getBean(KeelActiveMQProperties.class).toString())
                            .doesNotContain(SECRET).contains("password=******").contains("user=app");
                    assertThat(context.getBean(KeelActiveMQConnectionDetails.class).toString()).doesNotContain(SECRET);
                    assertThat(context.getBean(dev.keel.jms.ActiveMQClassicAdapter.class).toString())
                            .doesNotContain(SECRET);
                    assertThat(output).doesNotContain(SECRET);
                });
    }

    /**
     * A password under a name the client reads only when it connects ({@code pasword=}, misspelled) passes the start;
     * the client would quote it with its value, so every value of {@code keel.activemq.url} is masked in configprops,
     * in {@code toString} and in the output (seventh adversarial review).
     */
    @Test
    void everyValueOfAnActivemqUrlShouldBeMaskedSinceAMisspelledPasswordIsStillAPassword(CapturedOutput output) {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withPropertyValues("keel.broker=activemq", "keel.activemq.url=tcp://127.0.0.1:61616?pasword=" + SECRET,
                        "keel.idempotency.store=none")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    String report = configprops(context, "keel.activemq");

                    assertThat(report).doesNotContain(SECRET).contains("tcp://127.0.0.1:61616?pasword=******");
                    assertThat(context.getBean(KeelActiveMQProperties.class).toString()).doesNotContain(SECRET);
                    assertThat(output).doesNotContain(SECRET);
                });
    }

    /** The ActiveMQ client shows its URL in its own logs: a password there fails the start, not showing it. */
    @Test
    void anActivemqUrlHoldingAPasswordShouldFailTheStartWithoutShowingIt(CapturedOutput output) {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withPropertyValues("keel.broker=activemq", "keel.activemq.url=tcp://127.0.0.1:61616?jms.password="
                        + SECRET, "keel.idempotency.store=none")
                .run(context -> {
                    assertThat(context).getFailure().hasStackTraceContaining("keel.activemq.*: url must not hold a "
                            + "password (the parameter jms.password)");
                    assertThat(output).doesNotContain(SECRET);
                });
    }

    /**
     * Sixth review: ActiveMQ's client decodes a parameter's name (jms.passwor%64 is jms.password) and reads a , or )
     * as part of its value; the URL was accepted, and its masking in the output stopped at the , or ).
     */
    @Test
    void anActivemqUrlHoldingAnEncodedPasswordShouldFailTheStartWithoutShowingIt(CapturedOutput output) {
        for (String url : List.of("tcp://127.0.0.1:61616?jms.passwor%64=" + SECRET,
                "tcp://127.0.0.1:61616?jms.password%3D" + SECRET, "tcp://127.0.0.1:61616?jms.password=x," + SECRET)) {
            new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                    .withPropertyValues("keel.broker=activemq", "keel.activemq.url=" + url,
                            "keel.idempotency.store=none")
                    .run(context -> assertThat(context).getFailure().hasStackTraceContaining("keel.activemq.*: url "
                            + "must not hold a password (the parameter jms.password)"));
        }
        assertThat(output).doesNotContain(SECRET);
    }

    /** Sixth review, for the Artemis URL, which may hold the stores' passwords: configprops and the output. */
    @Test
    void artemisUrlPasswordsShouldBeMaskedToTheEndOfTheirValuesHoweverTheirNamesAreEncoded(CapturedOutput output) {
        String url = "tcp://127.0.0.1:61616?trustStorePassword=x," + SECRET + "&keyStorePasswor%64=" + SECRET
                + "&ha=false";
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withPropertyValues("keel.broker=artemis", "keel.artemis.url=" + url, "keel.idempotency.store=none")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    String report = configprops(context, "keel");

                    assertThat(report).doesNotContain(SECRET)
                            .contains("tcp://127.0.0.1:61616?trustStorePassword=******&******&ha=false");
                    assertThat(context.getBean(dev.keel.jms.ArtemisAdapter.class).toString()).doesNotContain(SECRET);
                    assertThat(output).doesNotContain(SECRET);
                });
    }

    @Test
    void rocketSecretKeyShouldBeMaskedInConfigpropsInToStringAndInTheOutput(CapturedOutput output) {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withPropertyValues("keel.broker=rocket", "keel.rocket.name-server=127.0.0.1:9876",
                        "keel.rocket.access-key=orders-service", "keel.rocket.secret-key=" + SECRET,
                        "keel.idempotency.store=none")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    String report = configprops(context, "keel");

                    assertThat(report).doesNotContain(SECRET).contains("secretKey=******")
                            .contains("127.0.0.1:9876");
                    assertThat(context.getBean(dev.keel.rocket.RocketAdapter.class).toString())
                            .doesNotContain(SECRET).contains("accessKey=orders-service").contains("secretKey=****");
                    assertThat(output).doesNotContain(SECRET);
                });
    }

    @Test
    void aRocketAccessKeyWithoutASecretKeyShouldFailAtStartNamingBoth() {
        new ApplicationContextRunner().withConfiguration(KeelAutoConfigurationTest.KEEL)
                .withPropertyValues("keel.broker=rocket", "keel.rocket.name-server=127.0.0.1:9876",
                        "keel.rocket.access-key=orders-service", "keel.idempotency.store=none")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("keel.rocket.access-key").hasMessageContaining("keel.rocket.secret-key"));
    }

    /** What {@code /actuator/configprops} shows of the properties under {@code prefix}, values shown (show-values=always). */
    private static String configprops(org.springframework.context.ApplicationContext context, String prefix) {
        ConfigurationPropertiesReportEndpoint endpoint = new ConfigurationPropertiesReportEndpoint(
                context.getBeanProvider(SanitizingFunction.class).stream().toList(), Show.ALWAYS);
        endpoint.setApplicationContext(context);
        return String.valueOf(endpoint.configurationPropertiesWithPrefix(prefix).getContexts().values().iterator().next()
                .getBeans().values().iterator().next().getProperties());
    }
}
