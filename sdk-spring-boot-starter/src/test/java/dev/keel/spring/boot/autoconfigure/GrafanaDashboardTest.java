package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.NonRetriableException;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricGauge;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard in docs/grafana queries only meters Keel registers, under the names a Prometheus registry
 * scrapes them: every meter Keel can register (each event counter, the handler timer with the histogram the docs
 * say to enable, each gauge, the outbox's gauges), and a workload on the in-memory broker that registers those of
 * the main panels through the engine itself.
 */
class GrafanaDashboardTest {

    static final Path DASHBOARD = Path.of("..", "docs", "grafana", "keel-dashboard.json");
    private static final Pattern KEEL_METRIC = Pattern.compile("\\bkeel_[a-z0-9_]+");
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void everyMeterTheDashboardQueriesShouldBeOneKeelRegisters() throws IOException {
        PrometheusMeterRegistry registry = registry();
        MicrometerMetrics metrics = new MicrometerMetrics(registry);
        for (MetricEvent event : MetricEvent.values()) {
            metrics.count(event, "orders", "billing");
        }
        metrics.handlerLatency("orders", "billing", Duration.ofMillis(3), true);
        metrics.handlerLatency("orders", "billing", Duration.ofMillis(3), false);
        metrics.inFlight("orders", "billing", () -> 1);
        for (MetricGauge gauge : MetricGauge.values()) {
            metrics.gauge(gauge, "orders", "billing", () -> 1);
        }
        new OutboxBacklogMeters(null, () -> false).bindTo(registry); // not running: the table is never read

        Set<String> queried = queried();
        assertThat(queried).as("metrics the dashboard queries").hasSizeGreaterThan(15);
        assertThat(scraped(registry)).as("metrics Keel registers, as Prometheus scrapes them").containsAll(queried);
    }

    @Test
    void aWorkloadShouldRegisterTheMetersOfTheMainPanelsThroughTheEngine() {
        PrometheusMeterRegistry registry = registry();
        AtomicBoolean failedOnce = new AtomicBoolean();
        try (InMemoryBroker broker = InMemoryBroker.create();
             Keel keel = Keel.builder(broker).metrics(new MicrometerMetrics(registry)).build()) {
            keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("billing").build());
            keel.subscribe(SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                    .retryPolicy(RetryPolicy.custom().maxAttempts(3).initialBackoff(Duration.ofMillis(10)).build())
                    .build(), d -> {
                        if (d.payload().equals("poison")) {
                            throw new NonRetriableException("never valid");
                        }
                        if (d.payload().equals("flaky") && failedOnce.compareAndSet(false, true)) {
                            throw new IllegalStateException("not yet");
                        }
                    });
            var orders = keel.publisher("orders", Codec.utf8());
            orders.message("ok").id("o-1").key("k").publish();
            orders.message("flaky").id("o-2").key("k").publish();
            orders.message("poison").id("o-3").key("k").publish();
            orders.message("ok").id("o-1").key("k").publish(); // a duplicate of o-1

            await().atMost(PATIENCE).until(() -> scraped(registry).containsAll(Set.of("keel_dead_lettered_total",
                    "keel_duplicate_skipped_total", "keel_retried_total")));
            assertThat(scraped(registry)).contains("keel_published_total", "keel_confirmed_total",
                    "keel_delivered_total", "keel_handled_total", "keel_handler_seconds_bucket",
                    "keel_handler_seconds_count", "keel_handler_seconds_sum", "keel_in_flight", "keel_unacknowledged",
                    "keel_busy_waiting", "keel_stalled_lanes");
            assertThat(registry.scrape()).as("the labels the dashboard selects on")
                    .contains("keel_delivered_total{group=\"billing\",topic=\"orders\"}")
                    .contains("outcome=\"failure\"");
        }
    }

    /** Prometheus, with the handler histogram enabled as docs/observability.md says. */
    private static PrometheusMeterRegistry registry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                return id.getName().equals("keel.handler")
                        ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config)
                        : config;
            }
        });
        return registry;
    }

    /** The names of the samples in a scrape. */
    private static Set<String> scraped(PrometheusMeterRegistry registry) {
        Set<String> names = new TreeSet<>();
        registry.scrape().lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .map(line -> line.split("[{ ]", 2)[0]).forEach(names::add);
        return names;
    }

    /** Every keel_* name in the dashboard's queries and variables. */
    private static Set<String> queried() throws IOException {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        Set<String> names = new TreeSet<>();
        StringBuilder queries = new StringBuilder();
        dashboard.findValues("expr").forEach(e -> queries.append(e.asString()).append('\n'));
        dashboard.path("templating").path("list").forEach(v -> queries.append(v.path("definition").asString())
                .append('\n'));
        Matcher m = KEEL_METRIC.matcher(queries);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }
}
