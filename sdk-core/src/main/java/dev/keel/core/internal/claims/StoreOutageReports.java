package dev.keel.core.internal.claims;

import dev.keel.KeelException;
import dev.keel.core.internal.chain.StoreOutages;
import dev.keel.core.internal.util.Descriptions;
import dev.keel.core.internal.util.Futures;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription's reports that its idempotency store (or the database a transactional handler writes to) failed
 * or answers again: the consumer is paused meanwhile ({@link StorePauses}), with one log line per change: a WARN
 * for an outage, an ERROR for a refusal (a non-retriable store error: the store answered), counted as
 * {@link MetricEvent#STORE_UNAVAILABLE} each time.
 */
public final class StoreOutageReports implements StoreOutages {

    private static final Logger LOG = LoggerFactory.getLogger(StoreAccess.class);

    private final StorePauses pauses;
    private final MetricsRecorder metrics;
    private final String topic;
    private final String group;

    public StoreOutageReports(String topic, String group, StorePauses pauses, MetricsRecorder metrics) {
        this.pauses = pauses;
        this.metrics = metrics;
        this.topic = topic;
        this.group = group;
    }

    @Override
    public void unavailable(Throwable error) {
        if (!pauses.isStoreDown()) {
            Throwable cause = Futures.unwrap(error);
            if (Descriptions.original(cause) instanceof KeelException refusal && !refusal.isRetriable()) {
                LOG.error("idempotency store refused the request (not an outage: it answered), pausing consumption of "
                        + "{} for group {} and trying again until the cause is fixed: {}", topic, group, Descriptions.of(cause));
            } else {
                LOG.warn("idempotency store unavailable, pausing consumption of {} for group {} until it returns: {}",
                        topic, group, Descriptions.of(cause));
            }
        }
        metrics.count(MetricEvent.STORE_UNAVAILABLE, topic, group);
        pauses.storeDown();
    }

    @Override
    public void available() {
        if (pauses.isStoreDown()) {
            LOG.info("idempotency store is back, resuming consumption of {} for group {}", topic, group);
            pauses.storeUp();
        }
    }
}
