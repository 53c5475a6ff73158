package dev.keel.core.internal.consume;

import dev.keel.core.internal.chain.Work;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * What a close whose timeout expired says of the messages it left unfinished, none of which is acknowledged:
 * the handlers still running, and apart from them the messages whose handler returned but whose id was not marked
 * done in the idempotency store in time (the store failed or was closed under the close), which are not running.
 */
final class Stragglers {

    private static final int NAMED = 10;

    private final Logger log;
    private final String topic;
    private final String group;

    Stragglers(Logger log, String topic, String group) {
        this.log = log;
        this.topic = topic;
        this.group = group;
    }

    /**
     * Logs a WARN for the handlers among {@code works} still running, and one for those that returned but are not
     * marked done; nothing when every one finished.
     */
    void warn(Stream<Work> works, int runningAtStart, Duration timeout) {
        List<Work> unfinished = works.filter(w -> !w.finished().isDone()).toList();
        unfinished.forEach(Work::namedByClose);
        List<String> running = ids(unfinished.stream().filter(w -> !w.handlerReturned()));
        List<String> returned = ids(unfinished.stream().filter(Work::handlerReturned));
        if (!running.isEmpty()) {
            log.warn("the close timeout ({}) of the subscription to {} for group {} expired with {} of {} handler(s) "
                    + "still running (message ids {}): they are not acknowledged, so the broker delivers them again; "
                    + "under EFFECTIVELY_ONCE one that returns while the store is open is marked done and its "
                    + "redelivery skipped (its lease is no longer renewed: after it expired, only if no other "
                    + "consumer claimed the message meanwhile), else it runs again. Give closeTimeout (Spring Boot: "
                    + "keel.listeners.<id>.close-timeout or keel.listener.defaults.close-timeout) more than "
                    + "your slowest handler takes", timeout, topic, group, running.size(), runningAtStart,
                    named(running));
        }
        if (!returned.isEmpty()) {
            log.warn("the close timeout ({}) of the subscription to {} for group {} expired with {} message(s) whose "
                    + "handler returned but whose id could not be marked done in the idempotency store (message ids "
                    + "{}): they are not acknowledged, so the broker delivers them again and they run again. Check "
                    + "that the store is reachable, and close it only after Keel.close() returned", timeout, topic,
                    group, returned.size(), named(returned));
        }
    }

    private static List<String> ids(Stream<Work> works) {
        return works.map(w -> w.record().id()).toList();
    }

    private static String named(List<String> ids) {
        return ids.size() > NAMED ? ids.subList(0, NAMED) + "..." : ids.toString();
    }
}
