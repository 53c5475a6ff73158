package dev.keel.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every benchmark runs through JMH's own harness (the code its annotation processor generated):
 * each parameter combination gets its setup, one operation and its teardown, in this JVM. It proves
 * that the benchmarks work, not how fast they are: nothing about time is asserted.
 */
class BenchmarksSmokeTest {

    @Test
    void everyBenchmarkShouldRunOneOperationThroughTheJmhHarness() throws RunnerException {
        // another JMH run on the machine (a developer measuring) must not block or be blocked by this one
        System.setProperty("jmh.ignoreLock", "true");
        Options options = new OptionsBuilder()
                .include(BenchmarksSmokeTest.class.getPackageName() + "\\..*Benchmark\\..*")
                .forks(0)
                .mode(Mode.SingleShotTime)
                .timeUnit(TimeUnit.MICROSECONDS)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementBatchSize(1)
                .timeout(TimeValue.seconds(120))
                .shouldFailOnError(true)
                .build();

        Collection<RunResult> results = new Runner(options).run();

        List<String> ran = new ArrayList<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            String params = String.join(",", result.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + result.getParams().getParam(k)).toList());
            ran.add(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1) + "(" + params + ")");
            assertThat(result.getPrimaryResult().getSampleCount()).as(name + " " + params).isEqualTo(1);
        }
        assertThat(ran).containsExactlyInAnyOrder(
                "PublishBenchmark.publish(payloadBytes=200)",
                "PublishBenchmark.publishAll(payloadBytes=200)",
                "BrokerOnlyBenchmark.send(payloadBytes=200)",
                "BrokerOnlyBenchmark.consume(payloadBytes=200)",
                "ConsumeBenchmark.consume(guarantee=AT_LEAST_ONCE,ordering=UNORDERED,payloadBytes=200)",
                "ConsumeBenchmark.consume(guarantee=AT_LEAST_ONCE,ordering=PER_KEY,payloadBytes=200)",
                "ConsumeBenchmark.consume(guarantee=EFFECTIVELY_ONCE,ordering=UNORDERED,payloadBytes=200)",
                "ConsumeBenchmark.consume(guarantee=EFFECTIVELY_ONCE,ordering=PER_KEY,payloadBytes=200)");
    }
}
