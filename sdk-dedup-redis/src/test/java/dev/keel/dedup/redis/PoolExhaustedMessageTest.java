package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.StoreUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * More threads calling the store than its pool has connections, while Redis is slow to answer: a call that found no
 * free connection in time is a retriable outage that says so and names {@code poolSize}, not "unreachable".
 */
class PoolExhaustedMessageTest {

    private static final Duration LEASE = Duration.ofSeconds(60);

    @Test
    void aCallThatFoundEveryConnectionBusyShouldSaySoAndNamePoolSize() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        try (SilentListener silent = new SilentListener();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host("127.0.0.1")
                     .port(silent.port()).poolSize(1).connectTimeout(Duration.ofMillis(200))
                     .socketTimeout(Duration.ofMillis(400)).build())) {
            ExecutorService callers = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> calls = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    String id = "id-" + i;
                    calls.add(callers.submit(() -> store.claim("billing:orders", id, NewOwners.token(), LEASE)));
                }
                for (Future<?> call : calls) {
                    try {
                        call.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        failures.add(e.getCause());
                    }
                }
            } finally {
                callers.shutdownNow();
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }

        assertThat(failures).hasSize(6).allSatisfy(failure -> assertThat(failure)
                .isInstanceOfSatisfying(StoreUnavailableException.class, e -> assertThat(e.isRetriable()).isTrue()));
        List<Throwable> exhausted = failures.stream().filter(f -> f.getMessage().contains("poolSize")).toList();
        assertThat(exhausted).as("calls that waited for a free connection: %s", failures).isNotEmpty()
                .allSatisfy(failure -> assertThat(failure).hasMessageContaining("all 1 of its connections to that node")
                        .hasMessageNotContaining("is unreachable"));
        assertThat(failures).noneSatisfy(failure -> assertThat(failure.getMessage())
                .contains("Could not get a resource from the pool").contains("unreachable"));
    }
}
