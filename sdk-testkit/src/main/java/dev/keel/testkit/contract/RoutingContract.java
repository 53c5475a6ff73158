package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Codec;
import dev.keel.HeaderFilter;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.TopicSpec;
import dev.keel.TopologyException;
import dev.keel.core.Keel;
import dev.keel.metrics.MetricEvent;
import dev.keel.spi.Capability;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Routing by message attributes: a subscription's header filter (client-side everywhere, on the
 * broker where the adapter declares {@link Capability#BROKER_FILTER}) and message priorities
 * ({@link Capability#PRIORITY}). An adapter's test subclasses it like {@link BrokerContractTest},
 * implementing {@link #createAdapter()}.
 */
public abstract class RoutingContract extends BrokerContractSupport {

    private static final int KEYS = 4;
    private static final int MESSAGES = 48;
    private static final HeaderFilter EU_OR_US_GOLD = HeaderFilter.in("region", "eu", "us")
            .and(HeaderFilter.equalTo("tier", "gold"));

    /**
     * Only messages whose headers match reach the handler, in key order; the others are acknowledged
     * unhandled and never claimed in the idempotency store: skipped in the client and counted as
     * {@code FILTERED}, or (BROKER_FILTER) never delivered to the client at all. A later consumer of
     * the group gets none of them: without a broker filter a plain reader of the group finds nothing
     * left; with one, a new subscription of the group with the same filter handles only what comes next.
     */
    @Test
    void filterShouldPassOnlyMatchingMessagesAndAcknowledgeTheRest() {
        Keel keel = newKeel();
        declare(keel);
        Effects effects = new Effects();
        List<String> handledHeaders = new CopyOnWriteArrayList<>();
        Subscription subscription = keel.subscribe(subscription().filter(EU_OR_US_GOLD).build(), d -> {
            handledHeaders.add(d.id() + ":" + d.headers().get("region") + "/" + d.headers().get("tier"));
            effects.apply(d);
        });
        List<Message> messages = mixedMessages("f", MESSAGES);
        List<String> matching = matchingIds(messages);

        publishConfirmed(keel, topic, messages);

        awaitHandled(effects, matching);
        int skipped = messages.size() - matching.size();
        if (!brokerFilters()) {
            awaitUntil("every other message skipped in the client", () -> metrics.count(MetricEvent.FILTERED)
                    >= skipped);
        }
        subscription.close();
        assertThat(effects.ids()).as("handled ids").containsExactlyInAnyOrderElementsOf(matching);
        assertThat(effects.repeated()).isEmpty();
        for (int k = 0; k < KEYS && has(Capability.KEY_ORDERING); k++) {
            String key = "key-" + k;
            assertThat(effects.sequenceOf(key)).as("handling order of %s", key)
                    .isEqualTo(messages.stream().filter(m -> key.equals(m.key())).map(Message::id)
                            .filter(matching::contains).toList());
        }
        assertThat(store.completedIds()).as("ids marked done").containsExactlyInAnyOrderElementsOf(matching);
        assertThat(store.everClaimedIds()).as("ids claimed (a skipped message is never claimed)")
                .containsExactlyInAnyOrderElementsOf(matching);
        if (brokerFilters()) {
            assertThat(metrics.count(MetricEvent.FILTERED)).as("messages the client received and skipped "
                    + "(the broker filters them)").isZero();
            assertLaterSubscriptionGetsOnlyNewMatches(keel);
        } else {
            assertThat(metrics.count(MetricEvent.FILTERED)).as("skipped in the client").isEqualTo(skipped);
            assertThat(leftoversOf(keel)).as("messages left unacknowledged in the group").isEmpty();
        }
    }

    /**
     * Whether the broker applies the subscription's header filter: where the adapter declares
     * {@link Capability#BROKER_FILTER}. A subclass running against a broker that refuses broker-side
     * filtering (the adapter then filters in the client) answers false.
     */
    protected boolean brokerFilters() {
        return has(Capability.BROKER_FILTER);
    }

    /** A subscription without a filter is unchanged: every message, whatever its headers, is handled. */
    @Test
    void subscriptionWithoutFilterShouldHandleEveryMessage() {
        Keel keel = newKeel();
        declare(keel);
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), effects::apply);
        List<Message> messages = mixedMessages("n", 16);

        publishConfirmed(keel, topic, messages);

        awaitHandled(effects, idsOf(messages));
        subscription.close();
        assertThat(metrics.count(MetricEvent.FILTERED)).isZero();
    }

    /**
     * With the consumer away, messages of low priority are published, then messages of high
     * priority: once the consumer starts, every high one is handled before any low one.
     */
    @Test
    void higherPriorityShouldBeDeliveredFirstWhenMessagesWait() {
        Keel keel = newKeel();
        assumeCapability(Capability.PRIORITY);
        keel.ensureTopology(topic(topic).partitions(1).maxPriority(9).group(group).build());
        List<Message> low = new ArrayList<>();
        List<Message> high = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            low.add(prioritized("low-" + i, 1));
            high.add(prioritized("high-" + i, 8));
        }
        publishConfirmed(keel, topic, low);
        publishConfirmed(keel, topic, high);
        List<String> order = new CopyOnWriteArrayList<>();
        Map<String, Integer> priorities = new ConcurrentHashMap<>();
        Effects effects = new Effects();

        Subscription subscription = keel.subscribe(subscription().lanes(1).maxInFlight(1).build(), d -> {
            order.add(d.id());
            priorities.put(d.id(), d.message().priority());
            effects.apply(d);
        });

        awaitHandled(effects, idsOf(low));
        awaitHandled(effects, idsOf(high));
        subscription.close();
        assertThat(order.subList(0, high.size())).as("the first messages handled").containsExactlyElementsOf(
                idsOf(high));
        assertThat(order.subList(high.size(), order.size())).containsExactlyElementsOf(idsOf(low));
        assertThat(priorities).as("priority seen by the handler").containsEntry("high-0", 8).containsEntry("low-0", 1);
    }

    /**
     * Where priorities are not honoured, a message's priority is still accepted and carried (the
     * keel-priority header, {@code Message#priority()} on delivery), and changes nothing else.
     */
    @Test
    void priorityShouldTravelWithTheMessageOnEveryBroker() {
        Keel keel = newKeel();
        declare(keel);
        Map<String, Integer> priorities = new ConcurrentHashMap<>();
        Effects effects = new Effects();
        Subscription subscription = keel.subscribe(subscription().build(), d -> {
            if (d.message().priority() != null) {
                priorities.put(d.id(), d.message().priority());
            }
            effects.apply(d);
        });
        List<Message> messages = List.of(prioritized("pr-7", 7), message("pr-none", "key-0"));

        publishConfirmed(keel, topic, messages);

        awaitHandled(effects, idsOf(messages));
        subscription.close();
        assertThat(priorities).isEqualTo(Map.of("pr-7", 7));
    }

    /** A topic asking for priorities is refused where the adapter cannot honour them, naming the capability. */
    @Test
    void topicWithPrioritiesShouldBeRefusedWithoutThePriorityCapability() {
        Keel keel = newKeel();
        Assumptions.assumeFalse(has(Capability.PRIORITY), "the adapter declares PRIORITY: it accepts the topic");
        TopicSpec spec = topic(topic).maxPriority(5).group(group).build();

        assertThatThrownBy(() -> keel.ensureTopology(spec)).isInstanceOf(TopologyException.class)
                .hasMessageContaining("PRIORITY").hasMessageContaining("maxPriority");
    }

    // ---- helpers -------------------------------------------------------------------------------

    /**
     * {@code count} messages over {@value #KEYS} keys, cycling through header sets that match the
     * filter (eu/gold, us/gold) and that do not (eu/silver, asia/gold, region missing, tier missing).
     */
    private static List<Message> mixedMessages(String prefix, int count) {
        String[][] headerSets = {{"eu", "gold"}, {"eu", "silver"}, {"asia", "gold"}, {"us", "gold"}, {null, "gold"},
                {"us", null}};
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String[] headers = headerSets[i % headerSets.length];
            Message.Builder b = Message.builder(prefix + "-" + i, Codec.utf8()).id(prefix + "-" + i)
                    .key("key-" + (i % KEYS));
            if (headers[0] != null) {
                b.header("region", headers[0]);
            }
            if (headers[1] != null) {
                b.header("tier", headers[1]);
            }
            messages.add(b.build());
        }
        return messages;
    }

    private static List<String> matchingIds(List<Message> messages) {
        return messages.stream().filter(m -> EU_OR_US_GOLD.matches(m.headers())).map(Message::id).toList();
    }

    private static Message prioritized(String id, int priority) {
        return Message.builder(id, Codec.utf8()).id(id).key("key-p").priority(priority).build();
    }

    /** A new subscription of the group with the same filter handles only the matching messages published next. */
    private void assertLaterSubscriptionGetsOnlyNewMatches(Keel keel) {
        Effects later = new Effects();
        Subscription next = newKeel().subscribe(subscription().filter(EU_OR_US_GOLD).build(), later::apply);
        List<Message> more = mixedMessages("later", 12);
        publishConfirmed(keel, topic, more);
        awaitHandled(later, matchingIds(more));
        next.close();
        assertThat(later.ids()).as("handled by the later subscription")
                .containsExactlyInAnyOrderElementsOf(matchingIds(more));
    }
}
