package dev.keel.core.internal.publish;

import dev.keel.PublisherConfig;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerProducer;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What every {@link Publish} of one publisher shares.
 *
 * @param producer  the adapter's producer
 * @param breaker   the circuit breakers in front of the broker, one per topic
 * @param window    the in-flight window: one permit per publish until no send of it runs
 * @param scheduler where retries wait out their backoff
 * @param config    attempts, backoff, timeout
 * @param closed    whether the publisher closed: no retry starts then
 * @param metrics   the engine's (guarded) metrics
 */
record PublishParts(Supplier<BrokerProducer> producer, PublishBreaker breaker, Semaphore window,
                    ScheduledExecutorService scheduler, PublisherConfig config, BooleanSupplier closed,
                    MetricsRecorder metrics) {
}
