package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class BenchCommandTest {

    @Test
    void benchOnTheEmbeddedBrokerShouldPrintEveryMeasurementAsJson() {
        CliRun run = CliRun.of("bench", "--messages", "300", "--keys", "10", "--lane-messages", "40",
                "--lane-keys", "20", "--lanes", "4", "--handler-latency", "1ms", "--latency-messages", "100",
                "--latency-rate", "1000", "--memory-messages", "2000", "--json", "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        assertThat(json.get("broker").asString()).isEqualTo("memory");
        assertThat(json.get("store").asString()).isEqualTo("in-memory");

        JsonNode publish = json.get("publish");
        assertThat(publish.get("messages").asInt()).isEqualTo(300);
        assertThat(publish.get("keel_msgs_per_sec").asDouble()).isPositive();
        assertThat(publish.get("raw_msgs_per_sec").isNull()).isTrue();
        assertThat(publish.get("raw_msgs_per_sec_na").asString()).contains("in-memory broker");

        JsonNode consume = json.get("consume");
        assertThat(consume.get("at_least_once_msgs_per_sec").asDouble()).isPositive();
        assertThat(consume.get("effectively_once_msgs_per_sec").asDouble()).isPositive();
        assertThat(consume.get("eo_over_alo").asDouble()).isPositive();
        assertThat(consume.get("naive_dedup_msgs_per_sec").isNull()).isTrue();
        assertThat(consume.get("naive_dedup_msgs_per_sec_na").asString()).contains("needs --redis");

        JsonNode lanes = json.get("lanes");
        assertThat(lanes.get("lanes").asInt()).isEqualTo(4);
        assertThat(lanes.get("lanes_msgs_per_sec").asDouble()).isPositive();
        assertThat(lanes.get("sequential_msgs_per_sec").asDouble()).isPositive();
        assertThat(lanes.has("lanes_over_sequential")).isTrue();
        assertThat(lanes.get("lanes_efficiency").asDouble()).isPositive();

        JsonNode latency = json.get("latency");
        assertThat(latency.get("messages").asInt()).isEqualTo(100);
        for (String p : new String[] {"confirm_p50_ms", "confirm_p99_ms", "p50_ms", "p95_ms", "p99_ms", "p999_ms",
            "max_ms"}) {
            assertThat(latency.get(p).isNumber()).as(p).isTrue();
        }
        assertThat(latency.get("p50_ms").asDouble()).isLessThanOrEqualTo(latency.get("max_ms").asDouble());
        assertThat(latency.get("confirm_p50_ms").asDouble()).isLessThanOrEqualTo(latency.get("confirm_p99_ms").asDouble());
        assertThat(latency.get("added_p99_ms").isNull()).isTrue();
        assertThat(latency.get("added_p99_ms_na").asString()).contains("in-memory broker");

        JsonNode memory = json.get("memory");
        assertThat(memory.get("consumed").asInt()).isEqualTo(2000);
        assertThat(memory.get("out_of_memory_errors").asInt()).isZero();

        JsonNode recovery = json.get("recovery");
        assertThat(recovery.get("messages").asInt()).isEqualTo(300);
        assertThat(recovery.get("held_by_crashed").asInt()).as("the crashed consumer held claims").isPositive();
        assertThat(recovery.get("before_crash_msgs_per_sec").asDouble()).isPositive();
        assertThat(recovery.get("recovery_sec").asDouble())
                .isGreaterThanOrEqualTo(recovery.get("successor_first_sec").asDouble()).isPositive();
        assertThat(recovery.has("after_recovery_msgs_per_sec")).isTrue();

        assertThat(json.has("pc")).as("the Parallel Consumer section runs only with --only pc").isFalse();
    }

    @Test
    void delayOnTheEmbeddedBrokerShouldReportLatenessPercentilesAndNoEarlyArrival() {
        CliRun run = CliRun.of("bench", "--only", "delay", "--delay-messages", "40", "--json", "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        assertThat(json.get("broker").asString()).isEqualTo("memory");
        JsonNode delay = json.get("delay");
        assertThat(delay).as("the delay section").isNotNull();
        assertThat(delay.get("messages").asInt()).isEqualTo(40);
        // figures present and consistent; how large they are is for a quiet machine, not a test
        for (String p : new String[] {"p50_ms", "p99_ms", "max_ms"}) {
            assertThat(delay.get(p)).as(p).isNotNull();
            assertThat(delay.get(p).isNumber()).as(p).isTrue();
            assertThat(delay.get(p).asDouble()).as(p).isGreaterThanOrEqualTo(0);
        }
        assertThat(delay.get("p50_ms").asDouble()).isLessThanOrEqualTo(delay.get("p99_ms").asDouble());
        assertThat(delay.get("p99_ms").asDouble()).isLessThanOrEqualTo(delay.get("max_ms").asDouble());
        assertThat(delay.get("early").asInt()).as("messages that arrived before their due time").isZero();
        assertThat(delay.has("earliest_ms")).as("printed only when a message arrived early").isFalse();
    }

    @Test
    void delayTableShouldShowLatenessPercentilesAndZeroArrivedEarly() {
        CliRun run = CliRun.of("bench", "--only", "delay", "--delay-messages", "20", "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("delayed delivery: lateness after the due time (20 messages, delays 1-3 s")
                .containsPattern("(?m)^\\s*lateness p50\\s+[0-9.,]+\\s+ms\\s*$")
                .containsPattern("(?m)^\\s*lateness p99\\s+[0-9.,]+\\s+ms\\s*$")
                .containsPattern("(?m)^\\s*arrived early\\s+0\\s+messages\\s*$")
                .doesNotContain("earliest (before due)");
    }

    @Test
    void benchShouldPrintATableByDefault() {
        CliRun run = CliRun.of("bench", "--only", "publish,lanes", "--messages", "100", "--lane-messages", "20",
                "--lanes", "2", "--handler-latency", "0ms", "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("publish, confirmed by the broker").contains("Keel publisher")
                .contains("n/a").contains("key-ordered lanes vs sequential").contains("ratio 2 lanes / sequential")
                .doesNotContain("end-to-end latency");
    }

    @Test
    void repeatShouldReportTheMedianAndRangeOfEachMeasureAndMemoryOnce() {
        CliRun run = CliRun.of("bench", "--only", "latency,memory", "--repeat", "2", "--keys", "10",
                "--latency-messages", "100", "--latency-rate", "1000", "--memory-messages", "30000", "--json",
                "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        assertThat(json.get("repeat").asInt()).isEqualTo(2);
        JsonNode latency = json.get("latency");
        assertThat(latency.get("p99_ms_runs").size()).isEqualTo(2);
        assertThat(latency.get("p99_ms_min").asDouble()).isLessThanOrEqualTo(latency.get("p99_ms").asDouble())
                .isLessThanOrEqualTo(latency.get("p99_ms_max").asDouble());
        assertThat(latency.get("added_p99_ms_na").asString()).contains("in-memory broker");

        JsonNode memory = json.get("memory");
        assertThat(memory.get("consumed_runs").size()).as("the memory section runs once").isEqualTo(1);
        assertThat(memory.get("consumed").asInt()).isEqualTo(30000);
        assertThat(memory.get("out_of_memory_errors").asInt()).isZero();
        assertThat(memory.get("guarantee").asString()).isEqualTo("AT_LEAST_ONCE");
        assertThat(memory.get("backlog_heap_mib").asDouble()).isPositive();
        assertThat(memory.get("peak_heap_after_gc_mib").asDouble()).isPositive().isLessThan(256);
        assertThat(memory.get("collections").asInt()).isPositive();
    }

    @Test
    void csvShouldPrintOneLinePerMeasure() {
        CliRun run = CliRun.of("bench", "--only", "lanes", "--lane-messages", "20", "--lanes", "2",
                "--handler-latency", "0ms", "--csv", "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out().lines().findFirst()).hasValue("section,id,label,value,min,max,unit,runs");
        assertThat(run.out()).contains("lanes,lanes_msgs_per_sec,");
    }

    @Test
    void theShareSectionOnABrokerWithoutShareGroupsShouldSayItIsNotApplicableNamingTheCapability() {
        CliRun run = CliRun.of("bench", "--only", "share", "--messages", "50", "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("share groups").contains("n/a").contains("SHARED_CONSUMPTION");
    }

    @Test
    void onlyPcWithoutTheParallelConsumerJarShouldFailWithAClearError() {
        CliRun run = CliRun.of("bench", "--broker", "kafka", "--bootstrap-servers", "127.0.0.1:1", "--only", "pc",
                "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--only pc needs --parallel-consumer-jar PATH")
                .contains("parallel-consumer-baseline/target/parallel-consumer-baseline.jar");
    }

    @Test
    void onlyPcOnAnotherBrokerThanKafkaShouldFailWithAClearError() {
        CliRun run = CliRun.of("bench", "--only", "pc", "--parallel-consumer-jar", "any.jar", "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("runs on Kafka only").contains("--broker memory");
    }

    @Test
    void consumeInFlightShouldSetTheConsumeAndLatencySectionsWindowAndBeReportedWithIt() {
        CliRun run = CliRun.of("bench", "--only", "consume,latency", "--messages", "200", "--keys", "10",
                "--latency-messages", "100", "--latency-rate", "1000", "--consume-lanes", "2",
                "--consume-in-flight", "3", "--json", "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        JsonNode consume = json.get("consume");
        assertThat(consume.get("in_flight").asInt()).isEqualTo(3);
        assertThat(consume.get("effectively_once_msgs_per_sec").asDouble()).isPositive();
        assertThat(consume.get("warmup_rounds").asInt()).as("200 messages warm up once").isOne();
        assertThat(consume.get("warmup_last_jit_percent").isNumber()).isTrue();
        JsonNode latency = json.get("latency");
        assertThat(latency.get("in_flight").asInt()).isEqualTo(3);
        assertThat(latency.get("p99_ms").isNumber()).isTrue();
    }

    @Test
    void aConsumeRunOf8000MessagesShouldWarmUpInAtMostTwoRoundsEachReadingTheWholeTopic() {
        CliRun run = CliRun.of("bench", "--only", "consume", "--messages", "8000", "--keys", "100", "--json",
                "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode consume = JsonMapper.builder().build().readTree(run.out()).get("consume");
        assertThat(consume.get("warmup_rounds").asInt()).as("one round per 4,000 messages").isBetween(1, 2);
        assertThat(consume.get("effectively_once_msgs_per_sec").asDouble()).isPositive();
    }

    @Test
    void aConsumeInFlightBelowOneOrTheLanesShouldBeRefusedNamingTheFlag() {
        CliRun zero = CliRun.of("bench", "--only", "consume", "--consume-in-flight", "0", "--no-progress");
        CliRun belowLanes = CliRun.of("bench", "--only", "consume", "--consume-in-flight", "4", "--no-progress");

        assertThat(zero.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(zero.err()).contains("--consume-in-flight must be in [1, 1000000], was 0");
        assertThat(belowLanes.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(belowLanes.err()).contains("--consume-in-flight must be at least --consume-lanes (8), was 4");
    }
}
