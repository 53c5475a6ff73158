package dev.keel.kafka;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.AdapterContract;
import dev.keel.testkit.contract.InputLimits;
import dev.keel.testkit.contract.InputLimits.Limit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Tag;

/**
 * The whole contract on a real Kafka. The core tests that inject broker faults need a {@code FaultInjectable}
 * adapter (the in-memory broker) and are skipped, naming it; their real-broker counterparts are
 * {@link KafkaBrokerRestartTest} (connection loss) and {@link KafkaInteropTest} (a broker-side duplicate). Ids,
 * header names and payloads share one limit, the producer's {@code max.request.size} (1 MiB): up to about
 * 1,000,000 bytes goes through, past 1 MiB is refused; a header value that is not UTF-8 reaches handlers as
 * {@code keel-base64:} and its base64 (docs/kafka.md, "Interop with plain clients"). Filters are client-side,
 * priorities not offered (skipped naming {@code PRIORITY}); delays go through the delay topic and its forwarder,
 * up to {@link KafkaConfig#MAX_DELAY}.
 */
@UsesBrokers(BrokerKind.KAFKA)
@Tag("containers") // also in the containers suite (-Pcontainers): the same tests on containers
class KafkaAdapterContractTest extends AdapterContract {

    /** Below {@code max.request.size} with room for the record's other fields. */
    private static final int LARGEST_ACCEPTED = 1_000_000;
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;

    private final String bootstrap = Brokers.kafka().bootstrapServers();

    @Override
    protected BrokerAdapter createAdapter() {
        return new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
    }

    @Override
    protected InputLimits inputLimits() {
        Limit limit = new Limit(LARGEST_ACCEPTED, MAX_REQUEST_BYTES + 1);
        return new InputLimits(limit, limit, limit);
    }

    @Override
    protected Optional<Duration> maxDelay() {
        return Optional.of(KafkaConfig.MAX_DELAY);
    }

    @Override
    protected void publishRaw(String toTopic, String key, Map<String, byte[]> headers, byte[] payload)
            throws Exception {
        List<Header> raw = new ArrayList<>();
        headers.forEach((name, value) -> raw.add(new RecordHeader(name, value)));
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.plainProducer(bootstrap)) {
            producer.send(new ProducerRecord<>(toTopic, null, KafkaTestSupport.utf8(key), payload, raw)).get();
        }
    }

    @Override
    protected String textOfNonUtf8(byte[] value) {
        return "keel-base64:" + Base64.getEncoder().encodeToString(value);
    }
}
