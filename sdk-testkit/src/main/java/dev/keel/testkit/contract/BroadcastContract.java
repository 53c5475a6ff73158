package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.core.Keel;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Broadcast ({@link Capability#BROADCAST}): every instance of a broadcast group receives every
 * message, and its idempotency marks are its own. Skipped, naming the capability, on adapters that
 * do not declare it. Each adapter's test module runs it through a subclass that supplies the adapter.
 */
public abstract class BroadcastContract extends BrokerContractSupport {

    static final int MESSAGES = 20;
    private static final String WARM_UP = "warm-up-";

    @Test
    void everyInstanceOfABroadcastGroupShouldReceiveEveryMessage() {
        assertEveryInstanceReceivesEveryMessage(DeliveryGuarantee.AT_LEAST_ONCE);
    }

    @Test
    void oneInstanceHavingRunAMessageShouldNotMakeItADuplicateForAnother() {
        assertEveryInstanceReceivesEveryMessage(DeliveryGuarantee.EFFECTIVELY_ONCE);
    }

    private void assertEveryInstanceReceivesEveryMessage(DeliveryGuarantee guarantee) {
        assumeCapability(Capability.BROADCAST);
        Keel first = newInstance(group + "-a");
        Keel second = newInstance(group + "-b");
        // no group declared: on RabbitMQ a declared group's queues would keep every message for nobody
        first.ensureTopology(topic(topic).build());
        Effects firstEffects = new Effects();
        Effects secondEffects = new Effects();
        first.subscribe(subscription().guarantee(guarantee).broadcast(true).build(), firstEffects::apply);
        second.subscribe(subscription().guarantee(guarantee).broadcast(true).build(), secondEffects::apply);
        awaitBothListening(first, firstEffects, secondEffects);
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            messages.add(message("m-" + i, "key-" + i));
        }

        publishConfirmed(first, topic, messages);

        awaitHandled(firstEffects, idsOf(messages));
        awaitHandled(secondEffects, idsOf(messages));
        assertThat(firstEffects.repeated()).as("run twice by the first instance").isEmpty();
        assertThat(secondEffects.repeated()).as("run twice by the second instance").isEmpty();
    }

    /**
     * An instance receives what is published once it listens (on RabbitMQ its queue is bound, on
     * Kafka and RocketMQ its partitions are assigned): warm-up messages go out until each got one.
     */
    private void awaitBothListening(Keel publisher, Effects first, Effects second) {
        AtomicInteger sent = new AtomicInteger();
        await("both instances listening").atMost(patience()).pollInterval(Duration.ofMillis(500)).until(() -> {
            if (warmedUp(first) && warmedUp(second)) {
                return true;
            }
            int n = sent.getAndIncrement();
            // may fail while no queue is bound yet (RabbitMQ: unroutable): the next try goes out again
            publisher.publisher().publishAsync(topic, message(WARM_UP + n, "warm-" + n));
            return false;
        });
    }

    private static boolean warmedUp(Effects effects) {
        return effects.ids().stream().anyMatch(id -> id.startsWith(WARM_UP));
    }

    /** A Keel of its own instance id, on a new adapter, sharing the test's store and metrics. */
    private Keel newInstance(String instanceId) {
        BrokerAdapter adapter = newAdapter();
        Keel keel = Keel.builder(adapter).idempotencyStore(new SharedStore(store)).metrics(metrics)
                .instanceId(instanceId).build();
        cleanup(keel);
        return keel;
    }
}
