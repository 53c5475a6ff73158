package dev.keel.testkit.internal;

import dev.keel.PublishReceipt;
import dev.keel.UnroutableException;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.DaemonThreads;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delayed publishes on the in-memory broker: the broker keeps the record and appends it to its topic
 * when due (on the broker's clock, the system clock), through a producer of the broker's own that
 * no client closes, so a delayed record outlives the client that published it. The publish is
 * confirmed at once, with partition {@value #PARTITION} and offset -1 (its place is known only when
 * due). Thread-safe.
 */
final class DelayTimer {

    static final String PARTITION = "delayed";
    private static final Logger LOG = LoggerFactory.getLogger(DelayTimer.class);
    /** One timer thread for every in-memory broker of the process. */
    private static final ScheduledExecutorService TIMER = newTimer();

    private final BrokerState broker;
    private final InMemoryProducer own;
    private final Clock clock;

    DelayTimer(BrokerState broker, Clock clock) {
        this.broker = broker;
        this.own = new InMemoryProducer(broker);
        this.clock = clock;
    }

    private static ScheduledExecutorService newTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                DaemonThreads.named("keel-in-memory-delays"));
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Whether {@code record} is due later than now. */
    boolean isDelayed(OutboundRecord record) {
        return record.delayed() && record.deliverAt().toEpochMilli() > clock.millis();
    }

    /** Keeps {@code record} until due, then appends it (undelayed) to its topic. */
    CompletionStage<PublishReceipt> schedule(OutboundRecord record) {
        if (broker.describeTopology(record.topic()).isEmpty() && !broker.settings().autoCreateTopics()) {
            return CompletableFuture.failedFuture(new UnroutableException("topic '" + record.topic()
                    + "' is not declared on the in-memory broker: declare it with ensureTopology first"));
        }
        OutboundRecord undelayed = new OutboundRecord(record.topic(), record.id(), record.key(), record.headers(),
                record.payload(), record.timestamp());
        long wait = Math.max(0, record.deliverAt().toEpochMilli() - clock.millis());
        TIMER.schedule(() -> own.send(undelayed).whenComplete((receipt, error) -> {
            if (error != null) {
                LOG.warn("in-memory broker: delayed message {} to {} could not be appended: {}", record.id(),
                        record.topic(), error.toString());
            }
        }), wait, TimeUnit.MILLISECONDS);
        return CompletableFuture.completedFuture(new PublishReceipt(record.topic(), record.id(), PARTITION, -1));
    }
}
