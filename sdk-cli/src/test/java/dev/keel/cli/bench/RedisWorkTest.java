package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisWorkTest {

    private static final String INFO = "# Commandstats\r\n"
            + "cmdstat_set:calls=40000,usec=60000,usec_per_call=1.50,rejected_calls=0,failed_calls=0\r\n"
            + "cmdstat_evalsha:calls=5,usec=1000,usec_per_call=200.00,rejected_calls=0,failed_calls=0\r\n"
            + "cmdstat_client|setinfo:calls=2,usec=4,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n";

    @Test
    void parseShouldReadTheCallsAndMicrosecondsOfEveryCommand() {
        Map<String, RedisWork.Counter> counters = RedisWork.parse(INFO);

        assertThat(counters).containsEntry("set", new RedisWork.Counter(40_000, 60_000))
                .containsEntry("evalsha", new RedisWork.Counter(5, 1_000))
                .containsEntry("client|setinfo", new RedisWork.Counter(2, 4));
    }

    @Test
    void reportShouldGiveCommandsAndMicrosecondsPerMessageAndEachCommandsCostPerCall() {
        BenchReport report = new BenchReport("kafka", "x", "redis");
        BenchReport.Section section = report.section("consume", "consume");

        RedisWork.report(section, "redis_eo", RedisWork.parse(INFO), 20_000, "EFFECTIVELY_ONCE");

        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) report.asMap().get("consume");
        assertThat(fields).containsEntry("redis_eo_commands_per_msg", 2.0)
                .containsEntry("redis_eo_usec_per_msg", 3.05)
                .containsEntry("redis_eo_set_calls", 40_000L)
                .containsEntry("redis_eo_set_usec_per_call", 1.5)
                .containsEntry("redis_eo_evalsha_usec_per_call", 200.0)
                .containsEntry("redis_eo_client_setinfo_calls", 2L);
    }

    @Test
    void cpuMicrosShouldAddUserAndSystemSecondsOfInfoCpu() {
        assertThat(RedisWork.cpuMicros("# CPU\r\nused_cpu_sys:1.500000\r\nused_cpu_user:2.250001\r\n"
                + "used_cpu_sys_children:9.000000\r\n")).isEqualTo(3_750_001L);
    }

    @Test
    void costShouldGiveTimeAndCpuPerMessageOnly() {
        BenchReport report = new BenchReport("kafka", "x", "redis");
        BenchReport.Section section = report.section("consume", "consume");
        Map<String, RedisWork.Counter> delta = new java.util.LinkedHashMap<>(RedisWork.parse(INFO));
        delta.put(RedisWork.CPU, new RedisWork.Counter(0, 100_000));

        RedisWork.cost(section, "redis_hw", delta, 20_000, "hand-written");

        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) report.asMap().get("consume");
        assertThat(fields).containsOnlyKeys("redis_hw_usec_per_msg", "redis_hw_cpu_usec_per_msg")
                .containsEntry("redis_hw_usec_per_msg", 3.05).containsEntry("redis_hw_cpu_usec_per_msg", 5.0);
    }
}
