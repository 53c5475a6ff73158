package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PublishPlanTest {

    private static VerifySettings settings(long seed) {
        return new VerifySettings(1000, 10, 4, 0.0, 0, 0.05, 0.02, seed, true, Duration.ofSeconds(2),
                Duration.ofSeconds(10), Set.of(), null);
    }

    @Test
    void theSameSeedShouldGiveTheSamePlan() {
        assertThat(PublishPlan.create("r", settings(7)).publishes())
                .isEqualTo(PublishPlan.create("r", settings(7)).publishes());
        assertThat(PublishPlan.create("r", settings(7)).publishes())
                .isNotEqualTo(PublishPlan.create("r", settings(8)).publishes());
    }

    @Test
    void duplicatesShouldRepeatAnEarlierHealthyMessageLater() {
        PublishPlan plan = PublishPlan.create("r", settings(7));
        List<PublishPlan.Planned> publishes = plan.publishes();
        Map<String, Integer> firstAt = new HashMap<>();
        for (int i = 0; i < publishes.size(); i++) {
            PublishPlan.Planned p = publishes.get(i);
            if (p.duplicate()) {
                assertThat(firstAt).containsKey(p.id());
                assertThat(firstAt.get(p.id())).isLessThan(i);
                assertThat(p.poison()).isFalse();
            } else {
                assertThat(firstAt.put(p.id(), i)).isNull();
            }
        }
        assertThat(plan.duplicatePublishes()).isPositive();
        assertThat(plan.originals()).hasSize(1000);
        assertThat(plan.poisonCount()).isPositive();
    }

    @Test
    void sequenceNumbersShouldCountUpPerKeyInPublishOrder() {
        Map<String, Integer> next = new HashMap<>();
        for (PublishPlan.Planned p : PublishPlan.create("r", settings(3)).originals()) {
            assertThat(p.seq()).isEqualTo(next.getOrDefault(p.key(), 0));
            next.put(p.key(), p.seq() + 1);
        }
    }

    @Test
    void aPayloadShouldParseBackToItsMessage() {
        PublishPlan.Planned p = new PublishPlan.Planned("run-12", "k3", 41, true, false);
        assertThat(PublishPlan.Planned.parse(p.payload())).isEqualTo(p);
    }
}
