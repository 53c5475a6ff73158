package dev.keel.rocket;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.AdapterContract;
import dev.keel.testkit.contract.InputLimits;
import dev.keel.testkit.contract.InputLimits.Limit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.junit.jupiter.api.Tag;

/**
 * The whole contract on the harness's real RocketMQ. The core tests that inject broker faults need a
 * {@code FaultInjectable} adapter (the in-memory broker) and are skipped, naming it; their real-broker
 * counterparts are in this module's own tests. Ids and header names share one limit, the message's properties,
 * which RocketMQ stores with a 2-byte length: the adapter refuses properties over {@value #PROPERTY_LIMIT} bytes in
 * all, naming that figure. An id is stored twice ({@code keel-id} and {@code KEYS}), so ids up to
 * {@value #LARGEST_ID} bytes go through; a header name of {@value #LARGEST_HEADER_NAME} bytes too. Bodies go
 * through up to the broker's default {@code maxMessageSize}, 4 MiB, and are refused past it. RocketMQ's properties
 * are Java strings, written as UTF-8 by the client: a plain producer given bytes that are not UTF-8 can only send
 * them decoded (each malformed sequence as U+FFFD), which is what handlers see. Raw messages go through a plain
 * {@link DefaultMQProducer}; the RocketMQ-only cases stay in {@link RocketBadInputTest}. Header filters run on the
 * broker (SQL92 property filters: the harness's broker runs with {@code enablePropertyFilter=true}; the fallback is
 * {@link RocketFilterFallbackTest}); priorities are not offered (skipped naming {@code PRIORITY}); delays are timer
 * messages, up to {@link RocketConfig#DEFAULT_MAX_DELAY}.
 */
@UsesBrokers(BrokerKind.ROCKET)
@Tag("containers") // also in the containers suite (-Pcontainers): the same tests on containers
class RocketAdapterContractTest extends AdapterContract {

    /** The adapter's bound of a message's properties (RocketMQ's 2-byte length, less room for its own). */
    private static final int PROPERTY_LIMIT = Short.MAX_VALUE - 1024;
    private static final int LARGEST_ID = 15_000;
    private static final int LARGEST_HEADER_NAME = 30_000;

    @Override
    protected BrokerAdapter createAdapter() {
        return RocketTestSupport.adapter();
    }

    @Override
    protected InputLimits inputLimits() {
        return new InputLimits(new Limit(LARGEST_ID, PROPERTY_LIMIT + 1),
                new Limit(LARGEST_HEADER_NAME, PROPERTY_LIMIT + 1),
                Limit.atMost(RocketConfig.DEFAULT_MAX_MESSAGE_BYTES));
    }

    @Override
    protected Optional<Duration> maxDelay() {
        return Optional.of(RocketConfig.DEFAULT_MAX_DELAY);
    }

    @Override
    protected void publishRaw(String toTopic, String key, Map<String, byte[]> headers, byte[] payload)
            throws Exception {
        Message message = new Message(toTopic, payload);
        // the plain client's putUserProperty refuses empty values; MessageAccessor sets them as they are
        headers.forEach((name, value) -> MessageAccessor.putProperty(message, name,
                new String(value, StandardCharsets.UTF_8)));
        DefaultMQProducer plain = new DefaultMQProducer(RocketTestSupport.unique("plain-producer"));
        plain.setNamesrvAddr(Brokers.rocket().nameServerAddress());
        plain.setInstanceName(RocketTestSupport.unique("plain"));
        plain.start();
        try {
            SendResult sent = plain.send(message);
            if (sent.getSendStatus() != SendStatus.SEND_OK) {
                throw new IllegalStateException("the plain producer's send was not confirmed: " + sent);
            }
        } finally {
            plain.shutdown();
        }
    }

    @Override
    protected String textOfNonUtf8(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }
}
