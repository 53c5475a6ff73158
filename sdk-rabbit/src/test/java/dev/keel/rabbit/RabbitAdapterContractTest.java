package dev.keel.rabbit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.impl.LongStringHelper;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.AdapterContract;
import dev.keel.testkit.contract.InputLimits;
import dev.keel.testkit.contract.InputLimits.Limit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;

/**
 * The whole contract on the harness's RabbitMQ, with the default (quorum) lane queues: no priorities there
 * (skipped naming {@code PRIORITY}; {@link RabbitRoutingContractTest} runs them on classic queues) and no replay
 * (skipped naming {@code REPLAY}). Ids and header names are AMQP short strings (at most 255 bytes); payloads are
 * probed up to 1 MiB, not up to RabbitMQ's {@code max_message_size} (128 MiB by default). A header value that is
 * not UTF-8 reaches handlers decoded as UTF-8 with each malformed sequence replaced by U+FFFD (docs/rabbitmq.md).
 * Raw messages go to the topic's exchange with routing key {@code 0}, the group's first partition queue. Delays
 * go through per-delay TTL queues, up to {@link RabbitConfig#MAX_DELAY}.
 */
@UsesBrokers(BrokerKind.RABBIT)
@Tag("containers") // also in the containers suite (-Pcontainers): the same tests on containers
class RabbitAdapterContractTest extends AdapterContract {

    private static final int SHORT_STRING_BYTES = 255;
    private static final int PROBED_PAYLOAD_BYTES = 1024 * 1024;

    @Override
    protected BrokerAdapter createAdapter() {
        return new RabbitAdapter(RabbitTestSupport.config().build());
    }

    @Override
    protected InputLimits inputLimits() {
        return new InputLimits(Limit.atMost(SHORT_STRING_BYTES), Limit.atMost(SHORT_STRING_BYTES),
                Limit.notProbedAbove(PROBED_PAYLOAD_BYTES));
    }

    @Override
    protected Optional<Duration> maxDelay() {
        return Optional.of(RabbitConfig.MAX_DELAY);
    }

    @Override
    protected void publishRaw(String toTopic, String key, Map<String, byte[]> headers, byte[] payload)
            throws Exception {
        Map<String, Object> amqpHeaders = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            LongString text = LongStringHelper.asLongString(value);
            amqpHeaders.put(name, text);
        });
        try (RawAmqp raw = new RawAmqp(RabbitTestSupport.config().build())) {
            raw.channel().confirmSelect();
            raw.channel().basicPublish(toTopic, "0", true,
                    new AMQP.BasicProperties.Builder().deliveryMode(2).headers(amqpHeaders).build(), payload);
            raw.channel().waitForConfirmsOrDie(30_000);
        }
    }

    @Override
    protected String textOfNonUtf8(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }
}
