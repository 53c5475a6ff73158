package dev.keel.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.testkit.FaultySinkAdapter;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * What a broker consumer does when the engine's side of the SPI fails under it
 * ({@link dev.keel.spi.DeliverySink#accept} throws once; the broker is real): the subscription
 * fails visibly, {@link Subscription.State#FAILED} with the cause, instead of stalling in silence
 * with its records unacknowledged, and the group gets every message it had not acknowledged again.
 * Each adapter's test module runs it through a subclass that supplies the adapter.
 */
public abstract class ConsumerFailureContract extends BrokerContractSupport {

    private static final int MESSAGES = 10;

    @Test
    void aSinkThatThrowsShouldFailTheSubscriptionAndTheGroupShouldGetEveryMessageAgain() {
        IllegalStateException fault = new IllegalStateException("injected: the engine refused a batch");
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Keel keel = faultyKeel(fault);
        for (int i = 0; i < MESSAGES; i++) {
            keel.publisher(topic, Codec.utf8()).message("m-" + i).id("m-" + i).key("k").publish();
        }

        Subscription failing = keel.subscribe(config(), d -> handled.add(d.id()));

        awaitUntil("the subscription failed, not stalled", () -> failing.state() == Subscription.State.FAILED);
        assertThat(failing.failure()).as("the cause").containsSame(fault);
        Subscription next = keel.subscribe(config(), d -> handled.add(d.id()));
        awaitUntil("every message handled by the next subscription", () -> handled.size() == MESSAGES);
        assertThat(next.state()).isEqualTo(Subscription.State.RUNNING);
    }

    @Test
    void anErrorOnTheConsumersThreadShouldFailTheSubscriptionWithTheCause() {
        AssertionError fault = new AssertionError("injected: an Error on the consumer's thread");
        Keel keel = faultyKeel(fault);
        keel.publisher(topic, Codec.utf8()).message("m").id("m").publish();

        Subscription failing = keel.subscribe(config(), d -> { });

        awaitUntil("the subscription failed, not closed cleanly", () -> failing.state() == Subscription.State.FAILED);
        assertThat(failing.failure()).as("the cause").containsSame(fault);
    }

    private Keel faultyKeel(Throwable fault) {
        FaultySinkAdapter adapter = new FaultySinkAdapter(newAdapter(), group, fault);
        Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build();
        cleanup(keel);
        keel.ensureTopology(topic(topic).partitions(1).group(group).build());
        return keel;
    }

    private SubscriptionConfig<String> config() {
        return inMode(SubscriptionConfig.builder(topic, group, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE))
                .build();
    }
}
