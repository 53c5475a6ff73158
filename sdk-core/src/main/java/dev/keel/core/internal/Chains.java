package dev.keel.core.internal;

import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerProducer;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Builds a subscription's handling chain in the one documented order, outermost first: the header
 * filter (when the subscription has one), metrics,
 * dead letters, idempotency (EFFECTIVELY_ONCE only), retries (not under AT_MOST_ONCE), then decode
 * and the application's handler.
 */
final class Chains {

    private Chains() {
    }

    /**
     * {@code deadLetterTopic}: the subscription's dead-letter policy resolved through its adapter.
     * {@code retryTopic}: non-null under {@code RetryMode.NON_BLOCKING}; the retries then go through
     * {@link NonBlockingRetryStep} instead of {@link RetryStep}, in the same place of the chain.
     */
    static <T> Step build(SubscriptionConfig<T> config, String deadLetterTopic, String retryTopic,
                          MessageHandler<T> handler, StoreAccess store, Delays delays, BooleanSupplier stopped,
                          Supplier<BrokerProducer> producer, Clock clock, MetricsRecorder metrics,
                          Duration deadLetterTimeout) {
        String group = config.group();
        Step chain = new InvokeStep<>(config.codec(), handler, metrics, group);
        if (retryTopic != null) {
            chain = new NonBlockingRetryStep(chain, config.retryPolicy(), retryTopic,
                    new Sends(producer, delays, deadLetterTimeout), clock, delays, stopped, metrics, group);
        } else if (config.guarantee() != DeliveryGuarantee.AT_MOST_ONCE) {
            chain = new RetryStep(chain, config.retryPolicy(), delays, stopped, metrics, group);
        }
        if (config.guarantee() == DeliveryGuarantee.EFFECTIVELY_ONCE) {
            chain = new DedupStep(chain, store, config.idempotencyPolicy(), clock, delays, stopped,
                    metrics, group);
        }
        chain = new DeadLetterStep(chain, producer, deadLetterTopic, group,
                clock, delays, stopped, deadLetterTimeout, metrics,
                config.guarantee() == DeliveryGuarantee.EFFECTIVELY_ONCE ? store : null,
                config.idempotencyPolicy().storeRetryInterval());
        chain = new MetricsStep(chain, metrics, group);
        return config.filter().isPresent() ? new FilterStep(chain, config.filter().get(), metrics, group) : chain;
    }
}
