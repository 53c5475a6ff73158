package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Codec;
import dev.keel.DelayTooLongException;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.Subscription;
import dev.keel.core.Keel;
import dev.keel.spi.Capability;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Delayed delivery ({@link Capability#DELAYED_DELIVERY}), the same on every adapter that declares it,
 * on a real broker: a message published with a delivery time reaches the handler no earlier than
 * that time, also across a consumer restart while it waits, and none is lost. The arrival is the
 * handler's wall clock, compared with the due time the message carries
 * ({@link KeelHeaders#DELIVER_AT}); only {@link #CLOCK_GRANULARITY} is allowed early. How late it
 * may be is bounded only generously ({@link #GENEROUS_LATENESS}): accuracy belongs to
 * {@code keel bench --only delay}, not to a test on a loaded machine. An adapter's test subclasses
 * this and implements {@link #createAdapter()} and {@link #maxDelay()}.
 */
public abstract class DelayedDeliveryContract extends BrokerContractSupport {

    /** What a message may arrive before its due time: clock granularity, not scheduling slack. */
    public static final Duration CLOCK_GRANULARITY = Duration.ofMillis(5);
    /** The upper bound asserted on lateness: generous, for a loaded machine. */
    public static final Duration GENEROUS_LATENESS = Duration.ofSeconds(30);

    /** The longest delay this adapter accepts (as configured for the test), or empty for no limit. */
    protected abstract Optional<Duration> maxDelay();

    /** Arrival times (handler wall clock, epoch millis) and due times per id. */
    private final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    private final Map<String, Long> dueTimes = new ConcurrentHashMap<>();

    @Test
    void delayedMessagesShouldArriveNoEarlierThanDue() {
        Keel keel = newKeel();
        assumeCapability(Capability.DELAYED_DELIVERY);
        declare(keel);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), recording(effects));
        cleanup(subscription);
        List<Message> delayed = delayedMessages("d", 12, Duration.ofSeconds(1), Duration.ofSeconds(3));
        List<Message> undelayed = List.of(message("now-0", "key-0"), message("now-1", "key-1"));
        List<Message> all = new ArrayList<>(delayed);
        all.addAll(undelayed);

        publishConfirmed(keel, topic, all);

        awaitHandled(effects, idsOf(all));
        assertThat(effects.repeated()).isEmpty();
        assertDueAndOnTime(delayed);
        assertThat(undelayed).allSatisfy(m -> assertThat(dueTimes).doesNotContainKey(m.id()));
    }

    @Test
    void delayedMessagesShouldSurviveAConsumerRestart() {
        Keel first = newKeel();
        assumeCapability(Capability.DELAYED_DELIVERY);
        declare(first);
        Effects effects = new Effects();
        Set<String> handledBefore = ConcurrentHashMap.newKeySet();
        Set<String> handledAfter = ConcurrentHashMap.newKeySet();
        Subscription before = first.subscribe(subscription().build(), recording(effects, handledBefore));
        // due 4-6 s from now: the subscription closes while they wait (a slow publish may let a few through; 4 s
        // leaves room for a loaded machine, where this test may share the cores with another of the contract's)
        List<Message> delayed = delayedMessages("r", 12, Duration.ofSeconds(4), Duration.ofSeconds(6));
        long publishStart = System.currentTimeMillis();
        publishConfirmed(first, topic, delayed);
        long publishMillis = System.currentTimeMillis() - publishStart;
        before.close();

        Keel second = newKeel();
        Subscription after = second.subscribe(subscription().build(), recording(effects, handledAfter));
        cleanup(after);

        awaitHandled(effects, idsOf(delayed));
        // the restart happened while messages were still waiting, and those reached the second subscription
        assertThat(handledAfter).as("ids handled by the subscription started after the restart (publishing took"
                + " %d ms; handled before the restart: %s)", publishMillis, handledBefore).isNotEmpty();
        assertThat(handledBefore).as("ids handled both before and after the restart")
                .doesNotContainAnyElementsOf(handledAfter);
        assertThat(effects.missing(idsOf(delayed))).as("ids lost").isEmpty();
        assertThat(effects.repeated()).as("ids handled twice").isEmpty();
        assertDueAndOnTime(delayed);
    }

    @Test
    void delayPastTheMaximumShouldFailTypedAndNamingTheLimit() {
        Keel keel = newKeel();
        assumeCapability(Capability.DELAYED_DELIVERY);
        Optional<Duration> max = maxDelay();
        Assumptions.assumeTrue(max.isPresent(), "this adapter has no maximum delay");
        declare(keel);
        Message tooLate = Message.builder("late", Codec.utf8()).id("late").key("key-0")
                .delay(max.get().plusDays(1)).build();

        Throwable failure = failureOf(() -> keel.publisher().publishAsync(topic, tooLate));

        assertThat(failure).isInstanceOf(DelayTooLongException.class);
        assertThat(((DelayTooLongException) failure).max()).isEqualTo(max.get());
        assertThat(((DelayTooLongException) failure).isRetriable()).isFalse();
        Message fine = Message.builder("fine", Codec.utf8()).id("fine").key("key-0").delay(Duration.ofSeconds(1))
                .build();
        assertThat(join(keel.publisher().publishAsync(topic, fine))).isNotNull();
    }

    private MessageHandler<String> recording(Effects effects) {
        return recording(effects, ConcurrentHashMap.newKeySet());
    }

    /** Records arrivals and due times, applies the effect, and adds each handled id to {@code handled}. */
    private MessageHandler<String> recording(Effects effects, Set<String> handled) {
        return d -> {
            arrivals.putIfAbsent(d.id(), System.currentTimeMillis());
            String due = d.keelHeaders().get(KeelHeaders.DELIVER_AT);
            if (due != null) {
                dueTimes.putIfAbsent(d.id(), Long.parseLong(due));
            }
            effects.apply(d);
            handled.add(d.id());
        };
    }

    /**
     * {@code count} messages over 4 keys, delays spread from {@code from} to {@code to}, half given as
     * {@code deliverAt}, half as {@code delay}; the due time each carries is checked on arrival.
     */
    private static List<Message> delayedMessages(String prefix, int count, Duration from, Duration to) {
        List<Message> messages = new ArrayList<>();
        Instant now = Instant.now();
        long spread = to.toMillis() - from.toMillis();
        for (int i = 0; i < count; i++) {
            Duration delay = Duration.ofMillis(from.toMillis() + (spread * i) / Math.max(1, count - 1));
            Message.Builder builder = Message.builder(prefix + "-" + i, Codec.utf8()).id(prefix + "-" + i)
                    .key("key-" + (i % 4));
            messages.add((i % 2 == 0 ? builder.deliverAt(now.plus(delay)) : builder.delay(delay)).build());
        }
        return messages;
    }

    private void assertDueAndOnTime(List<Message> delayed) {
        for (Message m : delayed) {
            Long due = dueTimes.get(m.id());
            assertThat(due).as("%s carries its due time in %s", m.id(), KeelHeaders.DELIVER_AT).isNotNull();
            if (m.deliverAt() != null) {
                assertThat(due).as("due time of %s", m.id()).isEqualTo(m.deliverAt().toEpochMilli());
            }
            long arrival = arrivals.get(m.id());
            assertThat(arrival).as("arrival of %s (due %d)", m.id(), due)
                    .isGreaterThanOrEqualTo(due - CLOCK_GRANULARITY.toMillis())
                    .isLessThanOrEqualTo(due + GENEROUS_LATENESS.toMillis());
        }
    }
}
