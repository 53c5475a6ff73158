package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.BrokerKind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrestartTest {

    @Test
    void allStartsEveryBrokerButArtemis() {
        assertThat(BrokerRegistry.prestartKinds("all"))
                .containsExactlyInAnyOrder(BrokerKind.KAFKA, BrokerKind.RABBIT, BrokerKind.ROCKET, BrokerKind.REDIS);
    }

    @Test
    void artemisStartsWhenListedByName() {
        assertThat(BrokerRegistry.prestartKinds("all,artemis")).containsExactlyInAnyOrder(BrokerKind.values());
        assertThat(BrokerRegistry.prestartKinds(" artemis, kafka ")).containsExactlyInAnyOrder(BrokerKind.ARTEMIS, BrokerKind.KAFKA);
    }
}
