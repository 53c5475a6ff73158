package dev.keel.rocket;

import dev.keel.testbrokers.Brokers;
import dev.keel.KeelHeaders;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.UniqueNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** The adapter configuration of this module's tests: the harness's RocketMQ, quick rebalances and commits. */
final class RocketTestSupport {

    /** A rebalance period short enough that group changes show within the tests' patience, without sleeping. */
    static final Duration TEST_REBALANCE_INTERVAL = Duration.ofMillis(500);

    private RocketTestSupport() {
    }

    static RocketConfig.Builder config() {
        return RocketConfig.custom().nameServer(Brokers.rocket().nameServerAddress()).clientId("keel-test")
                .rebalanceInterval(TEST_REBALANCE_INTERVAL).commitInterval(Duration.ofMillis(200));
    }

    static RocketAdapter adapter() {
        return new RocketAdapter(config().build());
    }

    /** A topic (or group) name unique to this run, legal on RocketMQ. */
    static String unique(String prefix) {
        return UniqueNames.of(prefix).replace('.', '-');
    }

    /** A record as the engine would hand it over: Keel's id and key headers plus one application header. */
    static OutboundRecord record(String topic, String id, String key, String payload) {
        Map<String, String> headers = new HashMap<>();
        headers.put(KeelHeaders.ID, id);
        if (key != null) {
            headers.put(KeelHeaders.KEY, key);
        }
        headers.put("app", "ünïcode");
        return new OutboundRecord(topic, id, key, headers, payload.getBytes(StandardCharsets.UTF_8),
                Instant.ofEpochMilli(1_700_000_000_000L));
    }

    static String text(InboundRecord record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }
}
