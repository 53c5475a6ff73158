package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.RedriveListener;
import dev.keel.deadletter.RedriveResult;
import dev.keel.metrics.MetricEvent;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.Capability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Broadcast ({@link Capability#BROADCAST}): every instance of a broadcast group receives every
 * message, and its idempotency marks are its own. Skipped, naming the capability, on adapters that
 * do not declare it. A re-drive of a broadcast group's dead letter runs in the instance that
 * dead-lettered it only. Each adapter's test module runs it through a subclass that supplies the adapter.
 */
public abstract class BroadcastContract extends BrokerContractSupport {

    static final int MESSAGES = 20;
    private static final String POISON = "poison";
    private static final String KEY = "k-poison";

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
        // published as soon as both subscribe calls returned: an instance receives from then on, without warming up
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
     * A re-drive of a broadcast group's dead letter runs in the instance that dead-lettered it only:
     * the other instances received the message too and have marks of their own, which may have
     * expired; they acknowledge the re-driven copy without running it.
     */
    @Test
    void aRedriveOfABroadcastGroupShouldRunOnlyInTheInstanceThatDeadLetteredIt() {
        assumeCapability(Capability.BROADCAST);
        String failingInstance = group + "-a";
        String forgetfulInstance = group + "-b";
        Keel first = newInstance(failingInstance);
        Keel second = newInstance(forgetfulInstance);
        first.ensureTopology(topic(topic).build());
        FixableHandler failing = new FixableHandler(POISON, true);
        FixableHandler forgets = new FixableHandler(POISON, false);
        first.subscribe(subscription().broadcast(true).build(), failing);
        second.subscribe(subscription().broadcast(true).idempotencyPolicy(IdempotencyPolicy.custom()
                .lease(Duration.ofSeconds(1)).retention(Duration.ofSeconds(1)).storeRetryInterval(Duration.ofMillis(100))
                .build()).build(), forgets);
        publishConfirmed(first, topic, List.of(message(POISON, KEY)));
        awaitUntil("dead-lettered by the first instance", () -> metrics.count(MetricEvent.DEAD_LETTERED) >= 1);
        awaitHandled(forgets.effects, List.of(POISON));
        awaitNoMark(group + "+" + forgetfulInstance, POISON); // the instance's namespace, <group>+<instance>
        failing.fix();

        RedriveResult result = first.deadLetters(topic, group).withQuietPeriod(RedriveScopeContract.READ_QUIET)
                .redrive(DeadLetterFilter.all(), RedriveListener.NONE);

        assertThat(result.redriven()).isEqualTo(1);
        flush(first, "after-redrive", KEY, List.of(failing, forgets));
        assertThat(failing.effects.count(POISON)).as("effects in the instance that dead-lettered it").isEqualTo(1);
        assertThat(forgets.effects.count(POISON)).as("effects in the other instance, whose mark expired")
                .isEqualTo(1);
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
