package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.EnvironmentException;
import dev.keel.kafka.KafkaConfig;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --kafka-linger} sets the linger of Keel's Kafka producer and of the raw producers it is compared with, so a
 * bench compares the two at the same setting, on both sides of {@code --tls-compare} too; without it both use Keel's
 * default. A negative one, or one longer than Keel's delivery timeout leaves room for, is refused as bad input naming
 * the flag, as is {@code linger.ms} given as a client property.
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

    @Test
    void theTlsSideOfATlsComparisonShouldKeepTheLinger() {
        BrokerOptions options = parse("--broker", "kafka", "--kafka-linger", "0ms");

        BrokerOptions tlsSide = options.atEndpoint(BrokerOptions.DEFAULT_RABBIT, "127.0.0.1:9093", TlsSettings.none());

        assertThat(KafkaMode.config(tlsSide).linger()).isEqualTo(Duration.ZERO);
    }

    /** Every flag but the endpoint's reaches the copy: one a later change adds and forgets fails here. */
    @Test
    void anEndpointsCopyShouldKeepEveryOtherFlag() throws Exception {
        BrokerOptions options = new BrokerOptions();
        List<Field> flags = new ArrayList<>();
        for (Field field : BrokerOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) || ENDPOINT.contains(field.getName())) {
                continue;
            }
            field.setAccessible(true);
            field.set(options, unusual(field));
            flags.add(field);
        }

        BrokerOptions copy = options.atEndpoint(BrokerOptions.DEFAULT_RABBIT, "127.0.0.1:9093", TlsSettings.none());

        for (Field field : flags) {
            assertThat(field.get(copy)).as(field.getName()).isEqualTo(field.get(options));
        }
    }

    @Test
    void aLingerTheDeliveryTimeoutLeavesNoRoomForShouldBeRefusedNamingTheFlag() {
        for (String linger : List.of("15s", "9223372036854775807s")) {
            BrokerOptions options = parse("--broker", "kafka", "--kafka-linger", linger);

            assertThatThrownBy(() -> KafkaMode.config(options)).as(linger).isInstanceOf(EnvironmentException.class)
                    .hasMessageContaining("--kafka-linger must be at most 10s");
        }
        assertThat(KafkaMode.config(parse("--broker", "kafka", "--kafka-linger", "10s")).linger())
                .isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aLingerOfPartMillisecondsShouldBeRefusedRatherThanCutDown() {
        BrokerOptions options = parse("--broker", "kafka", "--kafka-linger", "1999us");

        assertThatThrownBy(() -> KafkaMode.config(options)).isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("--kafka-linger must be whole milliseconds");
    }

    @Test
    void lingerAsAClientPropertyShouldBeRefusedNamingTheFlag() {
        BrokerOptions options = parse("--broker", "kafka", "--kafka-property", "linger.ms=0");

        assertThatThrownBy(() -> KafkaMode.config(options)).isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("linger.ms").hasMessageContaining("--kafka-linger");
    }

    private static final Set<String> ENDPOINT = Set.of("bootstrapServers", "rabbitUri", "tls");

    private static Object unusual(Field field) {
        Class<?> type = field.getType();
        if (type == String.class) {
            return "set-" + field.getName();
        } else if (type == boolean.class) {
            return true;
        } else if (type == int.class) {
            return 7;
        } else if (type == Duration.class) {
            return Duration.ofMillis(3);
        } else if (type == TlsOptions.class) {
            return new TlsOptions();
        }
        throw new AssertionError("a flag of a type this test does not set yet: " + field);
    }
}
