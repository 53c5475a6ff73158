package dev.keel.cli.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The CPU time this JVM used (all its threads: the clients', Keel's, the bench's own, garbage collection and the JIT)
 * from {@link #start()} to {@link #report}, per message of a pass. Where two passes of one run read different rates,
 * this tells whether the slower one did more work per message or waited more. The broker and Redis are other
 * processes and do not count. A pass while the JIT still compiles (the first of a run, mostly) costs more per message
 * than the same code compiled.
 */
final class JvmCpu {

    private final long startNanos;

    private JvmCpu(long startNanos) {
        this.startNanos = startNanos;
    }

    static JvmCpu start() {
        return new JvmCpu(processCpuNanos());
    }

    /** Adds the CPU per message since {@link #start()} to {@code section}, or says why it cannot. */
    void report(BenchReport.Section section, String id, String what, long messages) {
        long now = processCpuNanos();
        String label = "  this JVM's CPU per " + what + " message";
        if (startNanos < 0 || now < 0 || messages <= 0) {
            section.na(id, label, "the JVM does not tell its process CPU time");
            return;
        }
        section.micros(id, label, (now - startNanos) / 1_000.0 / messages);
    }

    /** The process's CPU time in nanoseconds, or -1 when the JVM does not tell it. */
    private static long processCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }
}
