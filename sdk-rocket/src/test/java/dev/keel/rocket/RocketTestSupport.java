package dev.keel.rocket;

import dev.keel.testbrokers.Brokers;
import java.time.Duration;

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
}
