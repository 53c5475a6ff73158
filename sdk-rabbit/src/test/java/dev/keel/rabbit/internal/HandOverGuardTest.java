package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HandOverGuardTest {

    private final HandOverGuard guard = new HandOverGuard(4);

    @Test
    void aLaneComingBackSoonAfterItWasHandedOverShouldHoldHandOversBackUntilTheCountChanges() {
        guard.startRound(2);
        guard.handedOver(3);
        guard.startRound(2);
        assertThat(guard.activeOn(3, 2)).as("back the next round: nobody took it").isTrue();
        assertThat(guard.holdsBack()).isTrue();
        guard.startRound(2);
        assertThat(guard.holdsBack()).as("same count").isTrue();
        guard.startRound(3);
        assertThat(guard.holdsBack()).as("another count").isFalse();
    }

    @Test
    void aLaneComingBackLongAfterItWasHandedOverShouldNotHoldHandOversBack() {
        guard.startRound(2);
        guard.handedOver(1);
        for (int round = 0; round < HandOverGuard.BOUNCE_ROUNDS + 1; round++) {
            guard.startRound(2);
        }
        assertThat(guard.activeOn(1, 2)).isFalse();
        assertThat(guard.holdsBack()).isFalse();
    }

    @Test
    void aLaneNeverHandedOverShouldNotHoldHandOversBack() {
        guard.startRound(2);
        assertThat(guard.activeOn(0, 2)).isFalse();
        guard.handedOver(0);
        guard.startRound(2);
        guard.activeOn(0, 2);
        guard.startRound(4);
        guard.startRound(4);
        assertThat(guard.activeOn(0, 4)).as("its hand-over was already answered").isFalse();
        assertThat(guard.holdsBack()).isFalse();
    }
}
