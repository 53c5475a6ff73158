package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.EnvironmentException;
import dev.keel.kafka.KafkaConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --kafka-linger} sets the linger of Keel's Kafka producer and of the raw producers it is compared with, so a
 * bench compares the two at the same setting; without it both use Keel's default. A negative one is refused as bad
 * input.
 */
class KafkaLingerTest {

    private static BrokerOptions parse(String... args) {
        BrokerOptions options = new BrokerOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    @Test
    void aLingerGivenShouldBeKeelsProducersAndTheRawProducersAlike() {
        BrokerOptions options = parse("--broker", "kafka", "--kafka-linger", "0ms");

        assertThat(KafkaMode.config(options).linger()).isEqualTo(Duration.ZERO);
        assertThat(KafkaClients.of(options).lingerMillis()).isZero();
    }

    @Test
    void withoutTheFlagBothShouldUseKeelsDefault() {
        BrokerOptions options = parse("--broker", "kafka");

        assertThat(KafkaMode.config(options).linger()).isEqualTo(KafkaConfig.DEFAULT_LINGER);
        assertThat(KafkaClients.of(options).lingerMillis()).isEqualTo((int) KafkaConfig.DEFAULT_LINGER.toMillis());
    }

    @Test
    void aNegativeLingerShouldBeRefusedNamingTheFlag() {
        BrokerOptions options = parse("--broker", "kafka", "--kafka-linger", "PT-1S");

        assertThatThrownBy(() -> KafkaMode.config(options)).isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("--kafka-linger");
    }
}
