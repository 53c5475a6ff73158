package dev.keel.spring.boot.autoconfigure;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The idempotency store: a {@link RedisIdempotencyStore} when {@code keel.redis.uri} or
 * {@code keel.redis.host} is set (or a Redis {@code @ServiceConnection} exists), an
 * {@link InMemoryIdempotencyStore} only when {@code keel.idempotency.store=in-memory} says so. An
 * {@code IdempotencyStore} bean of the application's wins. The context closes the store after Keel.
 */
@AutoConfiguration
@EnableConfigurationProperties(KeelProperties.class)
@Import({KeelStoreAutoConfiguration.Redis.class, KeelStoreAutoConfiguration.InMemory.class})
public class KeelStoreAutoConfiguration {

    /**
     * The Redis store (module sdk-dedup-redis), on keel.redis.* or on the connection details a
     * {@code @ServiceConnection} gave.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.keel.dedup.redis.RedisIdempotencyStore")
    @ConditionalOnKeelStore(value = KeelProperties.StoreType.REDIS, matchIfMissing = true)
    @Conditional(RedisConfigured.class)
    static class Redis {

        @Bean
        @ConditionalOnMissingBean(KeelRedisConnectionDetails.class)
        KeelRedisConnectionDetails keelRedisConnectionDetails(KeelProperties properties) {
            return new PropertiesConnectionDetails.Redis(properties.getRedis());
        }

        @Bean
        @ConditionalOnMissingBean(IdempotencyStore.class)
        RedisIdempotencyStore keelRedisIdempotencyStore(KeelRedisConnectionDetails connection, KeelProperties properties) {
            KeelProperties.Redis redis = properties.getRedis();
            RedisStoreConfig.Builder config = RedisStoreConfig.custom().uri(connection.uri());
            if (redis.getUsername() != null) {
                config.user(redis.getUsername());
            }
            if (redis.getPassword() != null) {
                config.password(redis.getPassword());
            }
            if (redis.getKeyPrefix() != null) {
                config.keyPrefix(redis.getKeyPrefix());
            }
            return RedisIdempotencyStore.create(config.build());
        }

        /** One WARN at startup when the Redis store does not answer (the application starts regardless). */
        @Bean
        @ConditionalOnBean(RedisIdempotencyStore.class)
        RedisStartupCheck keelRedisStartupCheck(RedisIdempotencyStore store) {
            return new RedisStartupCheck(store);
        }
    }

    /** The in-memory store, chosen explicitly. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnKeelStore(KeelProperties.StoreType.IN_MEMORY)
    static class InMemory {

        @Bean
        @ConditionalOnMissingBean(IdempotencyStore.class)
        InMemoryIdempotencyStore keelInMemoryIdempotencyStore() {
            return new InMemoryIdempotencyStore();
        }
    }

    /** keel.redis.uri or keel.redis.host is set, or Redis connection details exist. */
    static final class RedisConfigured extends AnyNestedCondition {

        RedisConfigured() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(KeelRedisConnectionDetails.class)
        static final class Details {
        }

        @ConditionalOnProperty(prefix = "keel.redis", name = "uri")
        static final class Uri {
        }

        @ConditionalOnProperty(prefix = "keel.redis", name = "host")
        static final class Host {
        }
    }
}
