package dev.keel.spring.boot.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.rabbit.AuthenticationMechanism;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.spring.boot.autoconfigure.KeelBrokerAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * SASL EXTERNAL from the starter's properties: {@code keel.rabbit.uri}'s {@code auth_mechanism=external} (RabbitMQ's
 * URI form) makes an adapter that logs in with the client certificate; with a password or user as well, or without
 * TLS, the application does not start, and the failure says what to do without showing the password. No broker: the
 * adapter connects on first use.
 */
class RabbitExternalAuthenticationPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KeelBrokerAutoConfiguration.class))
            .withPropertyValues("keel.broker=rabbit");

    @Test
    void authMechanismExternalInTheUriShouldMakeAnAdapterThatLogsInWithTheCertificate() {
        runner.withPropertyValues("keel.rabbit.uri=amqps://rabbit.internal:5671/orders?auth_mechanism=external")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RabbitAdapter.class);
                    assertThat(context.getBean(RabbitAdapter.class).config().authentication())
                            .isEqualTo(AuthenticationMechanism.EXTERNAL);
                    assertThat(context.getBean(RabbitAdapter.class).config().toString())
                            .contains("authentication=EXTERNAL").contains("amqps://rabbit.internal:5671");
                });
    }

    @Test
    void externalWithAPasswordOrWithoutTlsShouldFailTheStartSayingWhatToDo() {
        runner.withPropertyValues("keel.rabbit.uri=amqps://rabbit.internal/orders?auth_mechanism=external",
                "keel.rabbit.password=topsecret").run(context -> assertThat(context).getFailure()
                        .hasStackTraceContaining("keel.rabbit.*: authentication EXTERNAL")
                        .rootCause().hasMessageContaining("remove the password").hasMessageNotContaining("topsecret"));
        runner.withPropertyValues("keel.rabbit.uri=amqp://rabbit.internal/orders?auth_mechanism=external")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("EXTERNAL").hasMessageContaining("amqps://"));
    }
}
