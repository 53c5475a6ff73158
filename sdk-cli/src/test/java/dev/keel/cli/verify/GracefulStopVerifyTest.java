package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code keel verify --faults graceful-stop}: handlers turn slow so a backlog builds, then the live consumer is closed
 * as a SIGTERM's shutdown hook closes it and a new one takes over. A graceful stop has no crash window: under
 * EFFECTIVELY_ONCE no effect may repeat, on the embedded broker, Kafka and RabbitMQ. Without idempotency
 * ({@code --unsafe-no-dedup}) and with {@code --unsafe-stop-timeout 0ms}, which abandons the running handlers on
 * purpose, the same check fails with duplicate effects.
 */
@ExtendWith(RealBrokers.class)
class GracefulStopVerifyTest {

    private static final List<String> STOPS = List.of("verify", "--faults", "graceful-stop",
            "--duplicate-rate", "0", "--poison-rate", "0", "--keys", "16", "--duration", "4s", "--seed", "20261123",
            "--timeout", "60s", "--no-progress");

    @Test
    void gracefulStopsWithABacklogAndSlowHandlersShouldRepeatNoEffect() {
        CliRun run = CliRun.of(STOPS.toArray(String[]::new));

        assertPassedWithStops(run);
    }

    @Test
    void closingWithinLessThanTheHandlersTakeShouldBeCaughtAsDuplicateEffects() {
        List<String> broken = new ArrayList<>(STOPS);
        broken.addAll(List.of("--unsafe-no-dedup", "--unsafe-stop-timeout", "0ms"));
        CliRun run = CliRun.of(broken.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(run.out()).contains("--unsafe-stop-timeout").contains("FAIL:");
        assertThat(countOf(run.out(), "duplicate effect\\s+(\\d+)\\s")).isPositive();
        assertThat(countOf(run.out(), "lost\\s+(\\d+)\\s")).isZero();
    }

    @Test
    void theUnsafeStopTimeoutWithoutGracefulStopsShouldBeRefusedSayingWhatItNeeds() {
        CliRun run = CliRun.of("verify", "--faults", "crash", "--unsafe-stop-timeout", "0ms", "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--unsafe-stop-timeout needs --faults with graceful-stop");
    }

    @Test
    void gracefulStopsOnKafkaShouldRepeatNoEffect(KafkaEndpoint kafka) {
        List<String> onKafka = new ArrayList<>(STOPS);
        onKafka.addAll(List.of("--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers()));
        CliRun run = CliRun.of(onKafka.toArray(String[]::new));

        assertPassedWithStops(run);
    }

    @Test
    void gracefulStopsOnRabbitShouldRepeatNoEffect(RabbitEndpoint rabbit) {
        List<String> onRabbit = new ArrayList<>(STOPS);
        onRabbit.addAll(List.of("--broker", "rabbit", "--rabbit-uri", rabbit.uri()));
        CliRun run = CliRun.of(onRabbit.toArray(String[]::new));

        assertPassedWithStops(run);
    }

    private static void assertPassedWithStops(CliRun run) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("EFFECTIVELY_ONCE").contains("PASS: no violation")
                .containsPattern("(?m)^  graceful-stop\\s+[1-9]\\d*\\s+[1-9]");
        assertThat(countOf(run.out(), "duplicate effect\\s+(\\d+)\\s")).isZero();
    }

    private static long countOf(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
