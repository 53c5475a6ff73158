package dev.keel.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.LeaseOutcome;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingIdempotencyStoreTest {

    /**
     * A method of the interface that the forwarding store did not override would run the interface's default on the
     * wrapper: {@code markDead} as {@code complete}, a dead-lettered id marked done in the wrapped store.
     */
    @Test
    void everyMethodOfTheStoreInterfaceShouldBePassedOnNotLeftToItsDefault() {
        List<String> notForwarded = new ArrayList<>();
        for (Method method : IdempotencyStore.class.getMethods()) {
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            try {
                ForwardingIdempotencyStore.class.getDeclaredMethod(method.getName(), method.getParameterTypes());
            } catch (NoSuchMethodException e) {
                notForwarded.add(method.getName() + Arrays.toString(method.getParameterTypes()));
            }
        }
        assertThat(notForwarded).as("IdempotencyStore methods ForwardingIdempotencyStore does not pass on").isEmpty();
    }

    @Test
    void theDeadLetterCallsShouldReachTheWrappedStoreAsThemselves() {
        List<String> calls = new ArrayList<>();
        IdempotencyStore wrapped = new IdempotencyStore() {
            @Override
            public ClaimResult claim(String namespace, String id, String token, Duration lease) {
                calls.add("claim");
                return ClaimResult.claimed(token);
            }

            @Override
            public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
                calls.add("complete");
                return LeaseOutcome.APPLIED;
            }

            @Override
            public LeaseOutcome release(String namespace, String id, String token) {
                calls.add("release");
                return LeaseOutcome.APPLIED;
            }

            @Override
            public LeaseOutcome markDead(String namespace, String id, String token, Duration retention) {
                calls.add("markDead");
                return LeaseOutcome.APPLIED;
            }

            @Override
            public ClaimResult claimRedriven(String namespace, String id, String token, Duration lease) {
                calls.add("claimRedriven");
                return ClaimResult.claimed(token);
            }

            @Override
            public int forgetAll(String namespace, List<String> ids) {
                calls.add("forgetAll");
                return ids.size();
            }

            @Override
            public void close() {
                calls.add("close");
            }
        };
        IdempotencyStore store = new ForwardingIdempotencyStore(wrapped) { };

        store.markDead("g:t", "a", "t-a", Duration.ofMinutes(1));
        store.claimRedriven("g:t", "a", "t-b", Duration.ofSeconds(30));
        assertThat(store.forgetAll("g:t", List.of("a", "b"))).isEqualTo(2);
        store.close();

        assertThat(calls).containsExactly("markDead", "claimRedriven", "forgetAll", "close");
    }
}
