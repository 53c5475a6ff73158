package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Two copies of one id in flight in one subscription (a duplicate publish, or a redelivery after a
 * crash), of one key: the first waits BUSY for a dead consumer's claim, which expires just before
 * the second copy is claimed. The second copy must not take the id ahead of the first: it waits for
 * the first under per-key ordering, so a claim it held would make the first wait BUSY for ever, and
 * every later message of the key behind them.
 */
class SameIdTwiceInFlightTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String NAMESPACE = "g:twice";
    private static final String ID = "copied";
    private static final String DEAD_OWNER = "dead-consumer";

    @Test
    void laterCopyOfAnIdShouldNotTakeItsClaimAheadOfTheEarlierCopyItWaitsFor() {
        InMemoryIdempotencyStore data = new InMemoryIdempotencyStore();
        data.claim(NAMESPACE, ID, DEAD_OWNER, IdempotencyPolicy.DEFAULT_LEASE); // a consumer died holding it
        InMemoryBroker broker = InMemoryBroker.create();
        List<String> effects = Collections.synchronizedList(new ArrayList<>());
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(new ExpiresForSecondToken(data))
                .build()) {
            keel.ensureTopology(TopicSpec.builder("twice").partitions(1).group("g").build(),
                    TopicSpec.builder("twice.DLT").partitions(1).group("ops").build());
            keel.publisher().publishAll("twice", List.of(
                    Message.builder("first copy".getBytes()).id(ID).key("k").build(),
                    Message.builder("second copy".getBytes()).id(ID).key("k").build(),
                    Message.builder("next of key".getBytes()).id("next").key("k").build()));
            keel.subscribe(SubscriptionConfig.builder("twice", "g", Codec.utf8()).build(), d -> effects.add(d.id()));

            await("the id handled once, then the key's next message").atMost(PATIENCE)
                    .until(() -> effects.contains("next"));
        } finally {
            broker.close();
        }
        assertThat(effects).containsExactly(ID, "next");
    }

    /**
     * The dead consumer's lease on {@link #ID} expires the moment a second token claims it: the first
     * token (the first copy's) finds it BUSY until then.
     */
    private static final class ExpiresForSecondToken implements IdempotencyStore {
        private final IdempotencyStore delegate;
        private final AtomicReference<String> firstToken = new AtomicReference<>();

        ExpiresForSecondToken(IdempotencyStore delegate) {
            this.delegate = delegate;
        }

        private void expireDeadOwnerFor(String id, String token) {
            if (ID.equals(id) && !firstToken.compareAndSet(null, token) && !firstToken.get().equals(token)) {
                delegate.release(NAMESPACE, ID, DEAD_OWNER);
            }
        }

        @Override
        public ClaimResult claim(String namespace, String id, String token, Duration lease) {
            expireDeadOwnerFor(id, token);
            return delegate.claim(namespace, id, token, lease);
        }

        @Override
        public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
            List<ClaimResult> results = new ArrayList<>(claims.size());
            for (Lease claim : claims) {
                results.add(claim(namespace, claim.id(), claim.token(), lease));
            }
            return results;
        }

        @Override
        public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
            return delegate.complete(namespace, id, token, retention);
        }

        @Override
        public List<LeaseOutcome> completeAll(String namespace, List<Lease> leases, Duration retention) {
            return delegate.completeAll(namespace, leases, retention);
        }

        @Override
        public LeaseOutcome release(String namespace, String id, String token) {
            return delegate.release(namespace, id, token);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
