package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.broker.BrokerMode;
import dev.keel.cli.broker.BrokerModes;
import dev.keel.cli.broker.BrokerOptions;
import dev.keel.cli.broker.StoreChoice;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.BrokerAdapter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryBenchTest {

    @Test
    @SuppressWarnings("unchecked")
    void aChildThatRunsOutOfMemoryShouldBeReportedAsARowNotAFailedRun() throws Exception {
        BrokerOptions options = new BrokerOptions();
        BrokerMode mode = BrokerModes.lookup(options.broker());
        StoreChoice store = StoreChoice.from(options);
        BenchSettings settings = new BenchSettings(100, 10, 200, 4, 512, 10, 10, 2, Duration.ZERO, 10, 100,
                Duration.ofMinutes(2));
        BenchReport report = new BenchReport("memory", "embedded", "in-memory");
        try (BrokerAdapter adapter = mode.createAdapter(options);
             IdempotencyStore idempotencyStore = store.create();
             Keel keel = Keel.builder(adapter).idempotencyStore(idempotencyStore).build()) {
            BenchContext ctx = new BenchContext(keel, adapter, idempotencyStore, mode, options, store, settings,
                    Progress.none(), "t" + System.nanoTime());

            // the embedded broker's 100,000-message backlog (about 60 MiB) cannot fit in 16 MiB
            MemoryBench.run(ctx, report, MemoryBench.EMBEDDED_MAX_MESSAGES, "16m");
        }

        Map<String, Object> memory = (Map<String, Object>) report.asMap().get("memory");
        assertThat(memory).containsEntry("heap_limit", "-Xmx16m").containsEntry("out_of_memory_errors", 1L);
    }
}
