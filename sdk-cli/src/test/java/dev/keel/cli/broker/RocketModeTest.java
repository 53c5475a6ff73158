package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.EnvironmentException;
import dev.keel.rocket.RocketConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --rocket-access-key} and {@code --rocket-secret-key-env}: the secret key from the environment only. */
class RocketModeTest {

    private static BrokerOptions parse(String... args) {
        BrokerOptions options = new BrokerOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    @Test
    void theSecretKeyShouldComeFromTheNamedVariableAndNeverBeShown() {
        String secret = System.getenv("PATH"); // a variable every test run has
        RocketConfig config = RocketMode.config(parse("--broker", "rocket", "--rocket-access-key", "orders-service",
                "--rocket-secret-key-env", "PATH"));

        assertThat(config.accessKey()).contains("orders-service");
        assertThat(config.secretKey()).contains(secret);
        assertThat(config.toString()).doesNotContain(secret).contains("accessKey=orders-service")
                .contains("secretKey=****");
        assertThat(parse("--rocket-access-key", "a", "--rocket-secret-key-env", "PATH").loginArgs())
                .containsSubsequence("--rocket-access-key", "a", "--rocket-secret-key-env", "PATH");
    }

    @Test
    void anAccessKeyWithoutASecretVariableShouldBeRefusedNamingTheFlag() {
        assertThatThrownBy(() -> RocketMode.config(parse("--rocket-access-key", "orders-service")))
                .isInstanceOf(EnvironmentException.class).hasMessageContaining("--rocket-secret-key-env");
    }

    @Test
    void aSecretVariableThatIsNotSetShouldBeRefusedNamingIt() {
        assertThatThrownBy(() -> RocketMode.config(parse("--rocket-access-key", "orders-service",
                "--rocket-secret-key-env", "KEEL_NO_SUCH_VARIABLE_4711")))
                .isInstanceOf(EnvironmentException.class).hasMessageContaining("KEEL_NO_SUCH_VARIABLE_4711");
    }

    @Test
    void noCredentialsShouldSignNothing() {
        assertThat(RocketMode.config(parse("--broker", "rocket")).accessKey()).isEmpty();
        assertThat(RocketMode.signer(parse("--broker", "rocket"))).isNull();
    }
}
