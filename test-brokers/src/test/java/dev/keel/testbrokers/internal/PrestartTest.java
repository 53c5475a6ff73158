package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.BrokerKind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrestartTest {

    @Test
    void allStartsEveryBrokerButArtemisAndActiveMQ() {
        assertThat(BrokerRegistry.prestartKinds("all"))
                .containsExactlyInAnyOrder(BrokerKind.KAFKA, BrokerKind.RABBIT, BrokerKind.ROCKET, BrokerKind.REDIS);
    }

    @Test
    void artemisStartsWhenListedByName() {
        assertThat(BrokerRegistry.prestartKinds("all,artemis")).containsExactlyInAnyOrder(BrokerKind.KAFKA,
                BrokerKind.RABBIT, BrokerKind.ROCKET, BrokerKind.REDIS, BrokerKind.ARTEMIS);
        assertThat(BrokerRegistry.prestartKinds(" artemis, kafka ")).containsExactlyInAnyOrder(BrokerKind.ARTEMIS, BrokerKind.KAFKA);
    }

    @Test
    void activemqStartsWhenListedByName() {
        assertThat(BrokerRegistry.prestartKinds("all,artemis,activemq")).containsExactlyInAnyOrder(BrokerKind.values());
        assertThat(BrokerRegistry.prestartKinds("activemq")).containsExactly(BrokerKind.ACTIVEMQ);
    }
}
