package dev.keel.cli.bench;

import dev.keel.cli.TextTable;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bench results: sections of measurements, each printed as a table row and kept as a JSON field.
 * Not-applicable measurements carry their reason ({@code null} value in JSON, plus {@code <id>_na}).
 */
public final class BenchReport {

    private final Map<String, Object> json = new LinkedHashMap<>();
    private final List<Section> sections = new ArrayList<>();
    private final List<String> header = new ArrayList<>();

    public BenchReport(String broker, String endpoint, String store) {
        json.put("broker", broker);
        json.put("endpoint", endpoint);
        json.put("store", store);
    }

    public void headerLine(String line) {
        header.add(line);
    }

    public void put(String key, Object value) {
        json.put(key, value);
    }

    public Section section(String id, String title) {
        Section s = new Section(title);
        sections.add(s);
        json.put(id, s.fields);
        return s;
    }

    /** One group of measurements. */
    public static final class Section {
        private final String title;
        private final Map<String, Object> fields = new LinkedHashMap<>();
        private final List<String[]> rows = new ArrayList<>();

        private Section(String title) {
            this.title = title;
        }

        public Section field(String id, Object value) {
            fields.put(id, value);
            return this;
        }

        public Section rate(String id, String label, double perSecond) {
            fields.put(id, round(perSecond, 1));
            rows.add(new String[] {label, String.format(Locale.ROOT, "%,.0f", perSecond), "msg/s"});
            return this;
        }

        public Section ratio(String id, String label, double ratio) {
            fields.put(id, round(ratio, 3));
            rows.add(new String[] {label, String.format(Locale.ROOT, "%.2f", ratio), "x"});
            return this;
        }

        public Section millis(String id, String label, double millis) {
            fields.put(id, round(millis, 3));
            rows.add(new String[] {label, String.format(Locale.ROOT, "%.2f", millis), "ms"});
            return this;
        }

        public Section seconds(String id, String label, double seconds) {
            fields.put(id, round(seconds, 2));
            rows.add(new String[] {label, String.format(Locale.ROOT, "%.2f", seconds), "s"});
            return this;
        }

        public Section count(String id, String label, long count, String unit) {
            fields.put(id, count);
            rows.add(new String[] {label, String.format(Locale.ROOT, "%,d", count), unit});
            return this;
        }

        public Section na(String id, String label, String reason) {
            fields.put(id, null);
            fields.put(id + "_na", reason);
            rows.add(new String[] {label, "n/a", reason});
            return this;
        }
    }

    public void printTable(PrintWriter out) {
        header.forEach(out::println);
        for (Section s : sections) {
            out.println();
            out.println(s.title);
            TextTable table = new TextTable("measure", "value>", "unit");
            s.rows.forEach(r -> table.row((Object[]) r));
            table.print(out, "  ");
        }
        out.println();
        out.println("Figures vary between runs (±25% is usual on a shared machine): compare ratios within one run.");
        out.flush();
    }

    public void printJson(PrintWriter out) {
        ObjectMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        out.println(mapper.writeValueAsString(json));
        out.flush();
    }

    public Map<String, Object> asMap() {
        return json;
    }

    private static double round(double value, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(value * f) / f;
    }
}
