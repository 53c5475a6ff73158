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
 * The runs of {@code --repeat} are {@link #combine combined} into one report of medians and ranges.
 */
public final class BenchReport {

    /** How a measure prints. */
    enum Kind {
        RATE("msg/s", "%,.0f", 1), RATIO("x", "%.2f", 3), MILLIS("ms", "%.2f", 3), SECONDS("s", "%.2f", 2),
        COUNT(null, "%,.0f", 0), MEGABYTES("MiB", "%,.1f", 1), MICROS("µs", "%.2f", 2), AMOUNT(null, "%.2f", 2);

        final String unit;
        final String format;
        final int decimals;

        Kind(String unit, String format, int decimals) {
            this.unit = unit;
            this.format = format;
            this.decimals = decimals;
        }

        String format(double value) {
            return String.format(Locale.ROOT, format, value);
        }
    }

    /** One measure of a section: a value (or {@code null} with the reason it is not applicable). */
    record Row(String id, String label, Kind kind, String unit, Double value, String naReason, Spread spread) {
    }

    private final Map<String, Object> json = new LinkedHashMap<>();
    private final List<Section> sections = new ArrayList<>();
    private final List<String> header = new ArrayList<>();
    private int repeat = 1;

    public BenchReport(String broker, String endpoint, String store) {
        json.put("broker", broker);
        json.put("endpoint", endpoint);
        json.put("store", store);
    }

    private BenchReport(Map<String, Object> top) {
        json.putAll(top);
    }

    public void headerLine(String line) {
        header.add(line);
    }

    public void put(String key, Object value) {
        json.put(key, value);
    }

    public Section section(String id, String title) {
        Section s = new Section(id, title);
        sections.add(s);
        json.put(id, s.fields);
        return s;
    }

    /** One group of measurements. */
    public static final class Section {
        private final String id;
        private final String title;
        private final Map<String, Object> fields = new LinkedHashMap<>();
        private final List<Row> rows = new ArrayList<>();
        /** How many runs this section's figures come from. */
        private int runs = 1;

        private Section(String id, String title) {
            this.id = id;
            this.title = title;
        }

        public Section field(String id, Object value) {
            fields.put(id, value);
            return this;
        }

        public Section rate(String id, String label, double perSecond) {
            return value(id, label, Kind.RATE, Kind.RATE.unit, perSecond);
        }

        public Section ratio(String id, String label, double ratio) {
            return value(id, label, Kind.RATIO, Kind.RATIO.unit, ratio);
        }

        public Section millis(String id, String label, double millis) {
            return value(id, label, Kind.MILLIS, Kind.MILLIS.unit, millis);
        }

        public Section seconds(String id, String label, double seconds) {
            return value(id, label, Kind.SECONDS, Kind.SECONDS.unit, seconds);
        }

        public Section megabytes(String id, String label, double mebibytes) {
            return value(id, label, Kind.MEGABYTES, Kind.MEGABYTES.unit, mebibytes);
        }

        public Section micros(String id, String label, double micros) {
            return value(id, label, Kind.MICROS, Kind.MICROS.unit, micros);
        }

        /** A quantity with two decimals in {@code unit}, e.g. commands per message. */
        public Section amount(String id, String label, double amount, String unit) {
            return value(id, label, Kind.AMOUNT, unit, amount);
        }

        public Section count(String id, String label, long count, String unit) {
            rows.add(new Row(id, label, Kind.COUNT, unit, (double) count, null, null));
            fields.put(id, count);
            return this;
        }

        public Section na(String id, String label, String reason) {
            fields.put(id, null);
            fields.put(id + "_na", reason);
            rows.add(new Row(id, label, null, reason, null, reason, null));
            return this;
        }

        private Section value(String id, String label, Kind kind, String unit, double value) {
            fields.put(id, round(value, kind.decimals));
            rows.add(new Row(id, label, kind, unit, value, null, null));
            return this;
        }

        private void spread(Row first, Spread spread) {
            Kind kind = first.kind();
            fields.put(first.id(), kind == Kind.COUNT ? (Object) Math.round(spread.median())
                    : round(spread.median(), kind.decimals));
            fields.put(first.id() + "_min", round(spread.min(), kind.decimals));
            fields.put(first.id() + "_max", round(spread.max(), kind.decimals));
            fields.put(first.id() + "_runs", spread.runs().stream().map(v -> round(v, kind.decimals)).toList());
            rows.add(new Row(first.id(), first.label(), kind, first.unit(), spread.median(), null, spread));
        }
    }

    /**
     * One report of {@code runs} (same settings, same sections): every measure is the median of its
     * runs, with its min and max ({@code <id>_min}, {@code <id>_max}, {@code <id>_runs} in JSON); a
     * ratio is the median of the runs' ratios. The header and the other fields are the first run's.
     */
    public static BenchReport combine(List<BenchReport> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("nothing to combine");
        }
        BenchReport first = runs.get(0);
        Map<String, Object> top = new LinkedHashMap<>();
        first.json.forEach((k, v) -> {
            if (first.sections.stream().noneMatch(s -> s.id.equals(k))) {
                top.put(k, v);
            }
        });
        BenchReport combined = new BenchReport(top);
        combined.header.addAll(first.header);
        combined.repeat = runs.size();
        combined.put("repeat", runs.size());
        for (Section s : first.sections) {
            Section c = combined.section(s.id, s.title);
            c.runs = (int) runs.stream().filter(run -> run.sections.stream().anyMatch(x -> x.id.equals(s.id)))
                    .count();
            s.fields.forEach((k, v) -> {
                if (s.rows.stream().noneMatch(r -> k.equals(r.id()) || k.equals(r.id() + "_na"))) {
                    c.fields.put(k, v);
                }
            });
            for (Row row : s.rows) {
                List<Double> values = new ArrayList<>();
                for (BenchReport run : runs) {
                    run.sections.stream().filter(x -> x.id.equals(s.id)).flatMap(x -> x.rows.stream())
                            .filter(r -> r.id().equals(row.id()) && r.value() != null)
                            .forEach(r -> values.add(r.value()));
                }
                if (row.value() == null || values.isEmpty()) {
                    c.na(row.id(), row.label(), row.naReason() != null ? row.naReason() : "missing in every run");
                } else {
                    c.spread(row, Spread.of(values));
                }
            }
        }
        return combined;
    }

    public void printTable(PrintWriter out) {
        header.forEach(out::println);
        for (Section s : sections) {
            out.println();
            out.println(s.runs > 1 ? s.title + ", median of " + s.runs + " runs" : s.title);
            TextTable table = s.runs > 1 ? new TextTable("measure", "median>", "min - max>", "unit")
                    : new TextTable("measure", "value>", "unit");
            for (Row r : s.rows) {
                String value = r.value() == null ? "n/a" : r.kind().format(r.value());
                if (s.runs > 1) {
                    String range = r.spread() == null ? "" : r.kind().format(r.spread().min()) + " - "
                            + r.kind().format(r.spread().max());
                    table.row(r.label(), value, range, r.unit());
                } else {
                    table.row(r.label(), value, r.unit());
                }
            }
            table.print(out, "  ");
        }
        out.println();
        out.println(repeat > 1 ? "Medians of " + repeat + " runs with their range; runs vary (±25% is usual on a "
                + "shared machine): compare ratios within one run."
                : "Figures vary between runs (±25% is usual on a shared machine): compare ratios within one run.");
        out.flush();
    }

    public void printJson(PrintWriter out) {
        ObjectMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        out.println(mapper.writeValueAsString(json));
        out.flush();
    }

    /**
     * One line per measure: {@code section,id,label,value,min,max,unit,runs} (runs separated by
     * {@code ;}); a not-applicable measure has an empty value and its reason as unit.
     */
    public void printCsv(PrintWriter out) {
        out.println("section,id,label,value,min,max,unit,runs");
        for (Section s : sections) {
            for (Row r : s.rows) {
                String value = r.value() == null ? "" : plain(r.value(), r.kind());
                String min = r.spread() == null ? value : plain(r.spread().min(), r.kind());
                String max = r.spread() == null ? value : plain(r.spread().max(), r.kind());
                String runs = r.spread() == null ? value
                        : String.join(";", r.spread().runs().stream().map(v -> plain(v, r.kind())).toList());
                out.println(String.join(",", csv(s.id), csv(r.id()), csv(r.label()), value, min, max, csv(r.unit()),
                        runs));
            }
        }
        out.flush();
    }

    public Map<String, Object> asMap() {
        return json;
    }

    private static String plain(double value, Kind kind) {
        return Double.toString(round(value, kind == null ? 3 : kind.decimals));
    }

    private static String csv(String cell) {
        if (cell == null) {
            return "";
        }
        return cell.contains(",") || cell.contains("\"") || cell.contains("\n")
                ? "\"" + cell.replace("\"", "\"\"") + "\"" : cell;
    }

    private static double round(double value, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(value * f) / f;
    }
}
