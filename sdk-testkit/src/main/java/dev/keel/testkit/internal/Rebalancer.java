package dev.keel.testkit.internal;

import dev.keel.spi.support.DaemonThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves partitions between the live members of a group when one joins or leaves: partition
 * {@code p} belongs to member {@code p mod size} in join order. A partition that changes owner is
 * first revoked from its live owner ({@code sink.revoke}, waited for up to the owner's revoke
 * timeout plus a margin), then its acknowledged prefix is committed, then it is given to the new
 * owner, which starts from the committed offset. Rebalances of one group run one at a time, on
 * daemon threads that end when idle; requests that arrive meanwhile coalesce into one more round.
 */
final class Rebalancer {

    private static final Logger LOG = LoggerFactory.getLogger(Rebalancer.class);
    private static final int MAX_ROUNDS = 1_000;

    private final BrokerState broker;

    private final ExecutorService executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), DaemonThreads.named("keel-inmemory-rebalance"));
    private final Set<GroupState> running = new HashSet<>();
    private final Set<GroupState> pending = new HashSet<>();

    Rebalancer(BrokerState broker) {
        this.broker = broker;
    }

    void request(GroupState group) {
        broker.lock().lock();
        try {
            if (!running.add(group)) {
                pending.add(group);
                return;
            }
        } finally {
            broker.lock().unlock();
        }
        executor.execute(() -> run(group));
    }

    private void run(GroupState group) {
        while (true) {
            try {
                settle(group);
            } catch (RuntimeException e) {
                LOG.error("rebalance of group {} on topic {} failed", group.name(), group.log().name(), e);
            }
            broker.lock().lock();
            try {
                if (!pending.remove(group)) {
                    running.remove(group);
                    return;
                }
            } finally {
                broker.lock().unlock();
            }
        }
    }

    /** Revokes and reassigns until every partition is owned by its target member. */
    private void settle(GroupState group) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Map<ConsumerSession, List<Integer>> revokes = new LinkedHashMap<>();
            broker.lock().lock();
            try {
                if (!broker.connected()) {
                    return; // restoring the connection requests a rebalance
                }
                List<ConsumerSession> live = group.members();
                int partitions = group.log().partitionCount();
                for (int p = 0; p < partitions; p++) {
                    ConsumerSession owner = group.owner(p);
                    if (owner != null && owner != target(live, p)) {
                        revokes.computeIfAbsent(owner, o -> new ArrayList<>()).add(p);
                        owner.markRevoking(p);
                    }
                }
                if (revokes.isEmpty()) {
                    for (int p = 0; p < partitions; p++) {
                        ConsumerSession target = target(live, p);
                        if (group.owner(p) == null && target != null) {
                            target.assign(p, group.committed(p));
                        }
                    }
                    return;
                }
                for (ConsumerSession owner : revokes.keySet()) {
                    owner.awaitNotDelivering();
                }
                revokes.keySet().removeIf(ConsumerSession::isStopped);
            } finally {
                broker.lock().unlock();
            }
            revokeAndWait(revokes);
            broker.lock().lock();
            try {
                revokes.forEach((owner, parts) -> parts.forEach(p -> owner.release(p, true)));
            } finally {
                broker.lock().unlock();
            }
        }
        LOG.error("rebalance of group {} on topic {} did not settle in {} rounds", group.name(), group.log().name(),
                MAX_ROUNDS);
    }

    private static ConsumerSession target(List<ConsumerSession> live, int partition) {
        return live.isEmpty() ? null : live.get(partition % live.size());
    }

    /** Calls every owner's {@code revoke} (outside the lock), then waits for each within its bound. */
    private void revokeAndWait(Map<ConsumerSession, List<Integer>> revokes) {
        Map<ConsumerSession, CompletableFuture<Void>> stages = new LinkedHashMap<>();
        revokes.forEach((owner, parts) -> {
            List<String> names = parts.stream().map(String::valueOf).toList();
            try {
                stages.put(owner, owner.sink().revoke(names).toCompletableFuture());
            } catch (RuntimeException e) {
                LOG.warn("DeliverySink.revoke failed for {}; committing what was acknowledged", owner, e);
            }
        });
        long start = System.nanoTime();
        stages.forEach((owner, stage) -> {
            Duration bound = owner.settings().revokeTimeout().plus(broker.settings().revokeMargin());
            long remaining = bound.toNanos() - (System.nanoTime() - start);
            try {
                stage.get(Math.max(0, remaining), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                LOG.warn("revoke of {} did not finish within {}; committing what was acknowledged", owner, bound);
            } catch (ExecutionException e) {
                LOG.warn("revoke of {} failed; committing what was acknowledged", owner, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
