package dev.keel.spring.boot.autoconfigure;

import dev.keel.dedup.IdempotencyStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Pings the Redis idempotency store once at startup and, when it does not answer, says so in one WARN naming the
 * address (the store's message, never a credential) and the properties to check. The application starts anyway, as
 * Spring Boot applications do with a data store down: its {@code EFFECTIVELY_ONCE} listeners pause and the
 * {@code keel} health contributor is DOWN until Redis answers.
 */
final class RedisStartupCheck implements SmartInitializingSingleton {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStartupCheck.class);
    static final String PROPERTIES = "keel.redis.uri (or keel.redis.host, keel.redis.port, keel.redis.username and "
            + "keel.redis.password)";

    private final IdempotencyStore store;

    RedisStartupCheck(IdempotencyStore store) {
        this.store = store;
    }

    @Override
    public void afterSingletonsInstantiated() {
        try {
            store.ping();
        } catch (RuntimeException e) {
            LOG.warn("Keel's idempotency store does not answer at startup: {} The application starts, but its "
                    + "EFFECTIVELY_ONCE listeners pause and health 'keel' is DOWN until it answers: start Redis or "
                    + "make it reachable, and check {}", sentence(e.getMessage()), PROPERTIES);
        }
    }

    private static String sentence(String message) {
        return message == null ? "(no message)." : message.endsWith(".") ? message : message + ".";
    }
}
