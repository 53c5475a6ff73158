package dev.keel.dedup.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The old value that SET ... NX ... GET answers gives the claim script's answer, or RENEW for the own token. */
class SetClaimAnswersTest {

    private static final String MINE = LeaseKeys.processing("token-a");

    @Test
    void absentKeyShouldBeClaimed() {
        assertThat(SetClaims.answer(null, MINE)).isEqualTo(LeaseScripts.CLAIMED);
    }

    @Test
    void doneOrDeadIdShouldBeDuplicate() {
        assertThat(SetClaims.answer(LeaseKeys.done("token-b"), MINE)).isEqualTo(LeaseScripts.DUPLICATE);
        assertThat(SetClaims.answer(LeaseKeys.dead("token-b"), MINE)).isEqualTo(LeaseScripts.DUPLICATE);
        assertThat(SetClaims.answer(LeaseKeys.done("token-a"), MINE)).isEqualTo(LeaseScripts.DUPLICATE);
    }

    @Test
    void idHeldByOwnTokenShouldBeRenewedByScript() {
        assertThat(SetClaims.answer(MINE, MINE)).isEqualTo(SetClaims.RENEW);
    }

    @Test
    void idHeldByAnotherTokenOrAnyOtherValueShouldBeBusy() {
        assertThat(SetClaims.answer(LeaseKeys.processing("token-b"), MINE)).isEqualTo(LeaseScripts.BUSY);
        assertThat(SetClaims.answer(LeaseKeys.processing("token-a-longer"), MINE)).isEqualTo(LeaseScripts.BUSY);
        assertThat(SetClaims.answer("written by someone else", MINE)).isEqualTo(LeaseScripts.BUSY);
    }
}
