package dev.keel.cli.broker;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.InMemoryIdempotencyStore;
import java.time.Clock;

/** The idempotency store chosen by {@code --redis}: Redis, or the in-memory store when absent. */
public final class StoreChoice {

    private final String redisUri;

    private StoreChoice(String redisUri) {
        this.redisUri = redisUri;
    }

    /** Checks that Redis answers when one is given; throws EnvironmentException saying what to do. */
    public static StoreChoice from(BrokerOptions options) {
        StoreChoice choice = new StoreChoice(options.redis());
        if (choice.isRedis()) {
            RedisSupport.preflight(options.redis());
        }
        return choice;
    }

    public boolean isRedis() {
        return redisUri != null;
    }

    public String redisUri() {
        return redisUri;
    }

    public String description() {
        return isRedis() ? "redis (" + Endpoints.redact(redisUri) + ")" : "in-memory";
    }

    /**
     * A new store; the caller closes it, after the Keel it is given to. Without {@code --redis} it is
     * an in-memory store, chosen on purpose: every CLI run is a single process.
     */
    public IdempotencyStore create() {
        return isRedis() ? RedisSupport.store(redisUri) : new InMemoryIdempotencyStore(Clock.systemUTC());
    }
}
