package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.EnvironmentException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JmsFlagsTest {

    @Test
    void flagsShouldShowTheUrlMaskedAndNoPassword() {
        JmsFlags flags = new JmsFlags("activemq", "tcp://h:1?jms.password=s3cret", "app", "SOME_VARIABLE");

        assertThat(flags).hasToString("JmsFlags[line=activemq, url=tcp://h:1?jms.password=***, user=app, "
                + "passwordEnv=SOME_VARIABLE]");
    }

    @Test
    void aPasswordVariableWithoutAUserShouldBeRefusedNamingTheLinesFlags() {
        JmsFlags flags = new JmsFlags("activemq", "tcp://h:1", null, "SOME_VARIABLE");

        assertThatThrownBy(() -> flags.configure(url -> { }, (user, password) -> { }, () -> "built"))
                .isInstanceOf(EnvironmentException.class)
                .hasMessage("--activemq-password-env needs --activemq-user: give the user whose password it holds");
    }

    @Test
    void aUrlTheConfigRefusesShouldBeAnEnvironmentErrorNamingTheFlag() {
        JmsFlags flags = new JmsFlags("artemis", "bad url", null, null);

        assertThatThrownBy(() -> flags.configure(url -> {
            throw new IllegalArgumentException("url must not contain spaces");
        }, (user, password) -> { }, () -> "built"))
                .isInstanceOf(EnvironmentException.class).hasMessage("--artemis-url: url must not contain spaces");
    }

    @Test
    void aUserWithoutAPasswordVariableShouldGetAnEmptyPassword() {
        List<String> credentials = new ArrayList<>();
        JmsFlags flags = new JmsFlags("activemq", "tcp://h:1", "app", null);

        assertThat(flags.configure(url -> { }, (user, password) -> credentials.addAll(List.of(user, password)),
                () -> "built")).isEqualTo("built");
        assertThat(credentials).containsExactly("app", "");
    }
}
