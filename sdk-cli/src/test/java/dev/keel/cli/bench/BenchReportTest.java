package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class BenchReportTest {

    private static BenchReport run(double keel, double raw, double p99) {
        BenchReport r = new BenchReport("kafka", "127.0.0.1:9092", "in-memory");
        r.headerLine("keel bench: test");
        r.put("partitions", 4);
        r.section("publish", "publish").field("messages", 1000)
                .rate("keel_msgs_per_sec", "Keel publisher", keel)
                .rate("raw_msgs_per_sec", "raw client", raw)
                .ratio("keel_over_raw", "ratio Keel / raw", keel / raw);
        r.section("latency", "latency").millis("p99_ms", "Keel p99", p99)
                .na("added_p99_ms", "added p99", "no raw client");
        return r;
    }

    private static String print(Consumer<PrintWriter> printer) {
        StringWriter w = new StringWriter();
        printer.accept(new PrintWriter(w));
        return w.toString();
    }

    @Test
    @SuppressWarnings("unchecked")
    void combineShouldReportTheMedianOfEachRatioAndRateWithItsRangeAndRuns() {
        BenchReport combined = BenchReport.combine(List.of(run(30_000, 100_000, 20), run(36_000, 90_000, 18),
                run(33_000, 110_000, 25)));

        Map<String, Object> json = combined.asMap();
        assertThat(json).containsEntry("repeat", 3).containsEntry("partitions", 4).containsEntry("broker", "kafka");
        Map<String, Object> publish = (Map<String, Object>) json.get("publish");
        assertThat(publish).containsEntry("messages", 1000)
                .containsEntry("keel_msgs_per_sec", 33_000.0)
                .containsEntry("keel_msgs_per_sec_min", 30_000.0)
                .containsEntry("keel_msgs_per_sec_max", 36_000.0)
                .containsEntry("keel_msgs_per_sec_runs", List.of(30_000.0, 36_000.0, 33_000.0));
        // the median of the runs' ratios (0.3, 0.4, 0.3), not the ratio of the medians (0.33)
        assertThat(publish).containsEntry("keel_over_raw", 0.3).containsEntry("keel_over_raw_min", 0.3)
                .containsEntry("keel_over_raw_max", 0.4);
        Map<String, Object> latency = (Map<String, Object>) json.get("latency");
        assertThat(latency).containsEntry("p99_ms", 20.0).containsEntry("p99_ms_min", 18.0)
                .containsEntry("p99_ms_max", 25.0).containsEntry("added_p99_ms", null)
                .containsEntry("added_p99_ms_na", "no raw client");
    }

    @Test
    void aCombinedTableShouldShowMedianAndRange() {
        BenchReport combined = BenchReport.combine(List.of(run(30_000, 100_000, 20), run(36_000, 90_000, 18),
                run(33_000, 110_000, 25)));

        String table = print(combined::printTable);

        assertThat(table).contains("keel bench: test").contains("publish, median of 3 runs")
                .contains("median").contains("min - max")
                .containsPattern("Keel publisher\\s+33,000\\s+30,000 - 36,000\\s+msg/s")
                .containsPattern("ratio Keel / raw\\s+0.30\\s+0.30 - 0.40\\s+x")
                .containsPattern("added p99\\s+n/a\\s+no raw client")
                .contains("Medians of 3 runs");
    }

    @Test
    void aSingleRunTableShouldShowOneValueColumn() {
        String table = print(run(30_000, 100_000, 20)::printTable);

        assertThat(table).containsPattern("Keel publisher\\s+30,000\\s+msg/s").doesNotContain("min - max")
                .contains("Figures vary between runs");
    }

    @Test
    void csvShouldHaveOneLinePerMeasureWithRangeAndRuns() {
        BenchReport combined = BenchReport.combine(List.of(run(30_000, 100_000, 20), run(36_000, 90_000, 18)));

        List<String> lines = print(combined::printCsv).lines().toList();

        assertThat(lines).first().isEqualTo("section,id,label,value,min,max,unit,runs");
        assertThat(lines).contains("publish,keel_msgs_per_sec,Keel publisher,33000.0,30000.0,36000.0,msg/s,"
                + "30000.0;36000.0");
        assertThat(lines).contains("latency,added_p99_ms,added p99,,,,no raw client,");
        assertThat(lines).hasSize(1 + 5);
    }

    @Test
    void aSingleRunCsvShouldRepeatTheValueAsItsRange() {
        List<String> lines = print(run(30_000, 100_000, 20)::printCsv).lines().toList();

        assertThat(lines).contains("publish,keel_over_raw,ratio Keel / raw,0.3,0.3,0.3,x,0.3");
    }
}
