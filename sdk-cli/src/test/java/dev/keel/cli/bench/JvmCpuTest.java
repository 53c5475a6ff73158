package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JvmCpuTest {

    @Test
    void reportShouldGiveTheCpuThisJvmUsedDuringThePassPerMessage() {
        BenchReport report = new BenchReport("kafka", "x", "memory");
        BenchReport.Section section = report.section("consume", "consume");
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        long before = os.getProcessCpuTime();
        JvmCpu cpu = JvmCpu.start();
        burnCpu(200_000_000L); // at least 200 ms of this thread's CPU
        cpu.report(section, "jvm_cpu_alo_usec_per_msg", "AT_LEAST_ONCE", 1_000);
        long after = os.getProcessCpuTime();

        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) report.asMap().get("consume");
        double perMessage = (Double) fields.get("jvm_cpu_alo_usec_per_msg");
        assertThat(perMessage).as("200 ms of CPU or more over 1,000 messages").isGreaterThanOrEqualTo(200.0)
                .as("no more than the process used meanwhile").isLessThanOrEqualTo((after - before) / 1_000.0 / 1_000);
    }

    private static void burnCpu(long nanos) {
        long start = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long x = 0;
        while (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - start < nanos) {
            for (int i = 0; i < 10_000; i++) {
                x += i * 31L ^ x;
            }
        }
        assertThat(x).isNotEqualTo(42L); // keeps the loop
    }
}
