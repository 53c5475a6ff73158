package dev.keel.cli.bench;

import java.time.Duration;

/**
 * One bench run's sizes, validated at once.
 *
 * @param messages        messages per publish and consume measurement
 * @param keys            distinct keys of those messages
 * @param payloadBytes    payload size
 * @param consumeLanes    handler lanes of the consume measurements
 * @param consumeInFlight messages a Keel subscription of the consume and latency measurements holds in flight
 *                        ({@code SubscriptionConfig.maxInFlight})
 * @param laneMessages    messages of the lanes-versus-sequential measurement
 * @param laneKeys        keys of the lanes-versus-sequential measurement
 * @param lanes           lanes compared with one lane
 * @param handlerLatency  simulated handler time in the lanes measurement
 * @param latencyMessages messages of the end-to-end latency measurement
 * @param latencyRate     publish rate (messages per second) of the latency measurement
 * @param timeout         how long one measurement may take before the run fails
 */
public record BenchSettings(int messages, int keys, int payloadBytes, int consumeLanes, int consumeInFlight,
                            int laneMessages, int laneKeys, int lanes, Duration handlerLatency, int latencyMessages,
                            int latencyRate, Duration timeout) {

    public static final int DEFAULT_MESSAGES = 20_000;
    public static final int DEFAULT_KEYS = 100;
    public static final int DEFAULT_PAYLOAD_BYTES = 200;
    public static final int DEFAULT_CONSUME_LANES = 8;
    public static final int DEFAULT_LANE_MESSAGES = 1000;
    public static final int DEFAULT_LANE_KEYS = 200;
    public static final int DEFAULT_LANES = 16;
    public static final Duration DEFAULT_HANDLER_LATENCY = Duration.ofMillis(2);
    public static final int DEFAULT_LATENCY_MESSAGES = 5000;
    public static final int DEFAULT_LATENCY_RATE = 2000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    public BenchSettings {
        range(messages, 1, 10_000_000, "--messages");
        range(keys, 1, 1_000_000, "--keys");
        range(payloadBytes, 16, 1_000_000, "--payload-bytes");
        range(consumeLanes, 1, 1024, "--consume-lanes");
        range(consumeInFlight, 1, 1_000_000, "--consume-in-flight");
        if (consumeInFlight < consumeLanes) {
            // a subscription refuses fewer messages in flight than lanes (they would sit idle)
            throw new IllegalArgumentException("--consume-in-flight must be at least --consume-lanes (" + consumeLanes
                    + "), was " + consumeInFlight);
        }
        range(laneMessages, 1, 1_000_000, "--lane-messages");
        range(laneKeys, 1, 1_000_000, "--lane-keys");
        range(lanes, 2, 1024, "--lanes");
        range(latencyMessages, 1, 10_000_000, "--latency-messages");
        range(latencyRate, 1, 1_000_000, "--latency-rate");
        if (handlerLatency == null || handlerLatency.isNegative() || handlerLatency.toSeconds() > 10) {
            throw new IllegalArgumentException("--handler-latency must be between 0 and 10s, was " + handlerLatency);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--timeout must be a positive duration, was " + timeout);
        }
    }

    private static void range(int value, int min, int max, String flag) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(flag + " must be in [" + min + ", " + max + "], was " + value);
        }
    }
}
