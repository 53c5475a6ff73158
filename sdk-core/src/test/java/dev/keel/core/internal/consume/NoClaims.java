package dev.keel.core.internal.consume;

import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.claims.Claiming;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Claims nothing, as {@link Claiming#NONE}; tests override what they watch. */
class NoClaims implements Claiming {
    @Override
    public void received(List<Work> works) {
    }

    @Override
    public void tick() {
    }

    @Override
    public void dropped(Work work, boolean release) {
    }

    @Override
    public ClaimCounts counts() {
        return new ClaimCounts(0, 0, 0);
    }

    @Override
    public void stop() {
    }

    @Override
    public void close() {
    }

    @Override
    public void abort() {
    }

    @Override
    public Optional<Duration> tickInterval() {
        return Optional.empty();
    }
}
