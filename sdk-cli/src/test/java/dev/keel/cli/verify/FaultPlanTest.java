package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.rabbit.RabbitConfig;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FaultPlanTest {

    private static final FaultEnvironment EMBEDDED = FaultEnvironment.of("memory", null);
    private static final FaultEnvironment RABBIT_WITH_REDIS = FaultEnvironment.of("rabbit", "redis://127.0.0.1:6379");
    private static final Set<FaultKind> ALL = EnumSet.allOf(FaultKind.class);

    private static VerifySettings settings(long seed, boolean dedup) {
        return new VerifySettings(500, 20, 4, 0.004, 5, 0.02, 0.01, seed, dedup, Duration.ofSeconds(2),
                Duration.ofSeconds(60), ALL, Duration.ofMinutes(1));
    }

    private static PublishPlan publishes(int round) {
        return PublishPlan.create("run-" + round + "-", "r" + round + "k", 1000 + round, settings(1, true));
    }

    private static FaultPlan plan(long seed, int round, Set<FaultKind> kinds, boolean everyKind, FaultEnvironment env) {
        return FaultPlan.create(seed, round, kinds, everyKind, publishes(round), settings(seed, true), env,
                SizeLimits.of(env.broker()));
    }

    @Test
    void theSameSeedShouldGiveTheSameFaultPlan() {
        for (int round = 1; round <= 20; round++) {
            assertThat(plan(42, round, ALL, false, EMBEDDED)).isEqualTo(plan(42, round, ALL, false, EMBEDDED));
        }
        assertThat(plan(42, 1, ALL, true, EMBEDDED).toString()).isEqualTo(plan(42, 1, ALL, true, EMBEDDED).toString());
    }

    @Test
    void anotherSeedOrRoundShouldGiveAnotherFaultPlan() {
        List<FaultPlan> seed42 = rounds(42);
        assertThat(seed42).isNotEqualTo(rounds(43));
        assertThat(new HashSet<>(seed42)).hasSizeGreaterThan(15);
    }

    @Test
    void oneRoundShouldPlanEverySelectedKind() {
        FaultPlan plan = plan(7, 1, ALL, true, EMBEDDED);

        assertThat(plan.faults().stream().map(FaultPlan.Fault::kind).collect(Collectors.toSet())).isEqualTo(ALL);
    }

    @Test
    void roundsShouldDrawOneToThreeKindsAndCoverEveryKindOverTime() {
        Set<FaultKind> seen = EnumSet.noneOf(FaultKind.class);
        for (FaultPlan plan : rounds(42)) {
            Set<FaultKind> kinds = plan.faults().stream().map(FaultPlan.Fault::kind).collect(Collectors.toSet());
            assertThat(kinds).hasSizeBetween(1, FaultPlan.MAX_KINDS_PER_ROUND);
            seen.addAll(kinds);
        }
        assertThat(seen).isEqualTo(ALL);
    }

    @Test
    void crashesShouldHitMessagesOfTheRoundWithinTheMostCrashes() {
        PublishPlan publishes = publishes(3);
        Set<String> ids = publishes.originals().stream().map(PublishPlan.Planned::id).collect(Collectors.toSet());
        for (long seed = 1; seed <= 30; seed++) {
            FaultPlan plan = FaultPlan.create(seed, 3, Set.of(FaultKind.CRASH), true, publishes, settings(seed, true),
                    EMBEDDED, SizeLimits.of("memory"));
            List<FaultPlan.Fault> crashes = plan.of(FaultKind.CRASH);
            assertThat(crashes).hasSizeBetween(1, 5);
            assertThat(crashes).allSatisfy(c -> {
                assertThat(ids).contains(c.target());
                assertThat(c.flavor()).isIn(FaultPlan.IN_WINDOW, FaultPlan.BEFORE_EFFECT);
                assertThat(c.key()).startsWith("r3k").contains("#");
            });
        }
    }

    @Test
    void withoutDedupNoCrashShouldLandInTheWindow() {
        for (long seed = 1; seed <= 30; seed++) {
            FaultPlan plan = FaultPlan.create(seed, 1, Set.of(FaultKind.CRASH), true, publishes(1),
                    settings(seed, false), EMBEDDED, SizeLimits.of("memory"));
            assertThat(plan.of(FaultKind.CRASH))
                    .allSatisfy(c -> assertThat(c.flavor()).isEqualTo(FaultPlan.BEFORE_EFFECT));
        }
    }

    @Test
    void timedFaultsShouldStartWithinTheRoundAndLastAWhile() {
        for (FaultPlan plan : rounds(5)) {
            for (FaultPlan.Fault f : plan.faults()) {
                switch (f.kind()) {
                    case FAILING_DONE, SLOW_STORE, NETWORK_CUT, FAILING_DEAD_LETTER -> {
                        assertThat(f.duration()).isBetween(FaultPlan.MIN_OUTAGE, FaultPlan.MAX_OUTAGE);
                        assertThat(f.at()).isBetween(0, 500);
                    }
                    case OVERSIZED -> {
                        assertThat(f.amount()).isGreaterThan(SizeLimits.EMBEDDED_MAX_RECORD_BYTES);
                        assertThat(f.flavor()).isIn("id", "header", "payload");
                    }
                    case LOST_CLAIM_REPLY -> assertThat(f.amount()).isBetween(1, FaultPlan.MAX_LOST_REPLIES);
                    default -> { }
                }
            }
        }
    }

    @Test
    void onRabbitWithRedisTheCutShouldHitTheStoreAndOversizedSkipThePayload() {
        Set<FaultKind> kinds = FaultKind.parse("all", RABBIT_WITH_REDIS);
        for (int round = 1; round <= 10; round++) {
            FaultPlan plan = plan(9, round, kinds, true, RABBIT_WITH_REDIS);
            assertThat(plan.of(FaultKind.NETWORK_CUT)).allSatisfy(f -> assertThat(f.flavor())
                    .isIn(FaultPlan.CUT_STORE_RESET, FaultPlan.CUT_STORE_BLACK_HOLE));
            assertThat(plan.of(FaultKind.OVERSIZED)).allSatisfy(f -> {
                assertThat(f.flavor()).isIn("id", "header");
                assertThat(f.amount()).isGreaterThan("id".equals(f.flavor()) ? SizeLimits.RABBIT_MAX_ID_BYTES
                        : RabbitConfig.MAX_HEADER_BYTES);
            });
            assertThat(plan.of(FaultKind.CHANNEL_CLOSE)).isEmpty();
        }
    }

    private static List<FaultPlan> rounds(long seed) {
        return IntStream.rangeClosed(1, 20).mapToObj(r -> plan(seed, r, ALL, false, EMBEDDED)).toList();
    }

    @Test
    void aGracefulStopsSlowHandlersShouldStartWithTheRoundSoABacklogBuildsHoweverFastTheBroker() {
        for (int round = 1; round <= 20; round++) {
            plan(42 + round, round, EnumSet.of(FaultKind.GRACEFUL_STOP), true, EMBEDDED).faults()
                    .forEach(f -> assertThat(f.at()).as(f.describe()).isZero());
        }
    }
}
