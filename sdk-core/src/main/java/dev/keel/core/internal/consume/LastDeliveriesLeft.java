package dev.keel.core.internal.consume;

import dev.keel.core.internal.chain.Work;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;

/**
 * What a closing share-group subscription says of the messages at the broker's last delivery that it leaves
 * unfinished: the broker archives them once the consumer closes, so each is named in an ERROR.
 */
final class LastDeliveriesLeft {

    private LastDeliveriesLeft() {
    }

    /**
     * Names, among {@code lastDeliveries} (the subscription's messages at the broker's last delivery), the parked ones
     * (every attempt failed and the dead letter could not be written: no close can keep them), and apart from them
     * those the close's timeout left unfinished; of these, those whose handler started are named apart: it may still
     * complete and apply its effect (only its acknowledgement is lost), so they must not be published again as if
     * never handled.
     */
    static void warn(Logger log, String topic, String group, Duration timeout, List<Work> lastDeliveries) {
        List<String> parked = lastDeliveries.stream().filter(Work::isParked).map(w -> w.record().id()).toList();
        if (!parked.isEmpty()) {
            log.error("the share-group subscription to {} for group {} closes with {} parked message(s) at the broker's "
                    + "last delivery (every attempt failed and the dead letter could not be written; message ids {}): "
                    + "the broker does not deliver them again, and archives them when the consumer closes (into the "
                    + "group's broker-side dead-letter queue when it has one), neither handled nor dead-lettered by "
                    + "Keel. Publish them again once their cause is fixed (docs/kafka.md, \"Share groups\")", topic,
                    group, parked.size(), firstTen(parked));
        }
        List<Work> left = lastDeliveries.stream().filter(w -> !w.finished().isDone() && !w.isParked()).toList();
        if (left.isEmpty()) {
            return;
        }
        List<String> started = left.stream().filter(Work::hasStarted).map(w -> w.record().id()).toList();
        List<String> unstarted = left.stream().filter(w -> !w.hasStarted()).map(w -> w.record().id()).toList();
        log.error("the close timeout ({}) of the share-group subscription to {} for group {} expired before {} "
                + "message(s) at the broker's last delivery finished: they are not acknowledged, and the broker "
                + "archives them when the consumer closes (into the group's broker-side dead-letter queue when it has "
                + "one). {} never started, neither handled nor dead-lettered by Keel (message ids {}); {} were running "
                + "and may still complete, applying their effect without an acknowledgement (message ids {}): check "
                + "those before publishing them again. Give closeTimeout more than a batch of your slowest handler "
                + "takes", timeout, topic, group, left.size(), unstarted.size(), firstTen(unstarted),
                started.size(), firstTen(started));
    }

    private static Object firstTen(List<String> ids) {
        return ids.size() > 10 ? ids.subList(0, 10) + "..." : ids;
    }
}
