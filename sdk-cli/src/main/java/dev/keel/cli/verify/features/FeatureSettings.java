package dev.keel.cli.verify.features;

import java.time.Duration;
import java.util.Set;

/**
 * What {@code keel verify --features} runs and how.
 *
 * @param messages            messages each workload publishes
 * @param keys                keys they are spread over
 * @param partitions          partitions of each workload's topic
 * @param lease               the idempotency lease
 * @param timeout             how long a workload waits for its messages to be accounted for
 * @param unsafeIgnoreDelay   publish delayed messages without their delay (the early check must fail)
 * @param unsafeNoRetry       retry nothing (the retry checks must fail)
 * @param unsafeRedriveCopy   re-drive by publishing copies of the dead letters (the re-drive checks must fail)
 */
public record FeatureSettings(Set<FeatureKind> features, long seed, int messages, int keys, int partitions,
                              Duration lease, Duration timeout, boolean unsafeIgnoreDelay, boolean unsafeNoRetry,
                              boolean unsafeRedriveCopy) {

    public static final int DEFAULT_MESSAGES = 200;

    public FeatureSettings {
        features = Set.copyOf(features);
        if (messages < 10 || keys < 1 || partitions < 1) {
            throw new IllegalArgumentException("--feature-messages must be 10 or more, --keys and --partitions 1 or "
                    + "more, were " + messages + ", " + keys + ", " + partitions);
        }
    }

    boolean unsafe() {
        return unsafeIgnoreDelay || unsafeNoRetry || unsafeRedriveCopy;
    }
}
