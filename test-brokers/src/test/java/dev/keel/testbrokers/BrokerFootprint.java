package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.HarnessRuntime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Measures, one broker at a time, how long each takes to start and its resident memory right after.
 * A measurement, not a test (figures are measured, never asserted): run it with
 * {@code ./mvnw -q -pl test-brokers test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.keel.testbrokers.BrokerFootprint}. The table goes to standard output and to
 * {@code target/keel-brokers/footprint.txt}.
 */
public final class BrokerFootprint {
    private static final Map<BrokerKind, List<String>> PROCESSES = Map.of(
            BrokerKind.KAFKA, List.of("kafka"),
            BrokerKind.ROCKET, List.of("rocketmq-namesrv", "rocketmq-broker"),
            BrokerKind.RABBIT, List.of("rabbitmq"),
            BrokerKind.REDIS, List.of("redis"),
            BrokerKind.ARTEMIS, List.of("artemis"),
            BrokerKind.ACTIVEMQ, List.of("activemq"));

    private BrokerFootprint() {
    }

    public static void main(String[] args) throws IOException {
        StringBuilder table = new StringBuilder("broker | start (s) | RSS (MiB) per process\n");
        for (BrokerKind kind : List.of(BrokerKind.REDIS, BrokerKind.RABBIT, BrokerKind.KAFKA, BrokerKind.ROCKET,
                BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ)) {
            long begin = System.nanoTime();
            BrokerEndpoint endpoint = Brokers.get(kind);
            double seconds = (System.nanoTime() - begin) / 1e9;
            table.append(String.format("%s (%s) | %.1f | %s%n", kind.displayName(), endpoint.origin(), seconds, rss(kind)));
        }
        System.out.print(table);
        Files.writeString(HarnessRuntime.get().run().path().getParent().resolve("footprint.txt"), table, StandardCharsets.UTF_8);
        System.exit(0);
    }

    private static String rss(BrokerKind kind) throws IOException {
        StringBuilder result = new StringBuilder();
        for (String line : Files.readAllLines(HarnessRuntime.get().run().pidFile(), StandardCharsets.UTF_8)) {
            String[] parts = line.split(" ", 3);
            if (PROCESSES.get(kind).contains(parts[2])) {
                result.append(parts[2]).append(' ').append(rssMib(Long.parseLong(parts[0]))).append("; ");
            }
        }
        return result.toString();
    }

    private static long rssMib(long pid) throws IOException {
        Path status = Path.of("/proc", String.valueOf(pid), "status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
