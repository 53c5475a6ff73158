package dev.keel.core.internal.chain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.KeelHeaders;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which subscription runs a copy re-driven from a dead-letter topic. */
class RedriveTargetTest {

    private static final RedriveTarget BILLING = new RedriveTarget("billing", Optional.empty());
    private static final RedriveTarget BILLING_POD_1 = new RedriveTarget("billing", Optional.of("pod-1"));

    private static Map<String, String> copyFor(String group) {
        return Map.of(KeelHeaders.REDRIVEN_AT, "1", KeelHeaders.REDRIVEN_GROUP, group);
    }

    @Test
    void aCopyShouldRunOnlyInTheGroupItWasRedrivenFor() {
        assertThat(BILLING.admits(copyFor("billing"))).isTrue();
        assertThat(BILLING.admits(copyFor("shipping"))).isFalse();
        assertThat(BILLING.admits(Map.of(KeelHeaders.ID, "order-1"))).as("not a re-driven copy").isTrue();
    }

    @Test
    void aCopyOfABroadcastInstancesLetterShouldRunOnlyInThatInstance() {
        Map<String, String> forPod1 = Map.of(KeelHeaders.REDRIVEN_AT, "1", KeelHeaders.REDRIVEN_GROUP, "billing",
                KeelHeaders.REDRIVEN_INSTANCE, "pod-1");
        assertThat(BILLING_POD_1.admits(forPod1)).isTrue();
        assertThat(new RedriveTarget("billing", Optional.of("pod-2")).admits(forPod1)).isFalse();
        assertThat(BILLING.admits(forPod1)).as("the group, no longer broadcast").isTrue();
        assertThat(BILLING_POD_1.admits(copyFor("billing"))).as("a letter of the group, not broadcast then").isTrue();
    }

    @Test
    void aCopyThatNamesNoGroupShouldBeAdmittedForItsClaimToDecide() {
        Map<String, String> earlier = Map.of(KeelHeaders.REDRIVEN_AT, "1");
        assertThat(BILLING.admits(earlier)).isTrue();
        assertThat(RedriveTarget.namesNoGroup(earlier)).isTrue();
        assertThat(RedriveTarget.namesNoGroup(copyFor("billing"))).isFalse();
    }

    @Test
    void aDeadLetterAnEarlierKeelMadeOfARedrivenCopyShouldBeNoCopy() {
        Map<String, String> letter = Map.of(KeelHeaders.REDRIVEN_AT, "1", KeelHeaders.DLT_AT, "2",
                KeelHeaders.DLT_GROUP, "billing");
        assertThat(RedriveTarget.isRedriven(letter)).isFalse();
        assertThat(RedriveTarget.namesNoGroup(letter)).isFalse();
        assertThat(new RedriveTarget("dlt-readers", Optional.empty()).admits(letter)).isTrue();
    }
}
