package dev.keel.cli.bench;

import java.util.BitSet;
import java.util.Objects;

/**
 * A set of CPUs in the list form of {@code taskset -c} and {@code /proc/<pid>/status}'s
 * {@code Cpus_allowed_list}: {@code 1}, {@code 0,2}, {@code 0-3,6}. Immutable.
 */
final class CpuList {

    /** The highest CPU number accepted: far above any machine this runs on, low enough to stop typos. */
    static final int MAX_CPU = 4095;

    private final BitSet cpus;

    private CpuList(BitSet cpus) {
        this.cpus = (BitSet) cpus.clone();
    }

    /**
     * Parses {@code 1}, {@code 0,2}, {@code 0-3,6}.
     *
     * @throws IllegalArgumentException when it is empty, malformed, a range runs backwards or a CPU is above
     *                                  {@value #MAX_CPU}
     */
    static CpuList parse(String list) {
        String value = list == null ? "" : list.strip();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a CPU list must name at least one CPU, e.g. 1 or 0,2 or 2-3");
        }
        BitSet cpus = new BitSet();
        for (String part : value.split(",", -1)) {
            String p = part.strip();
            int dash = p.indexOf('-');
            int from = cpu(dash < 0 ? p : p.substring(0, dash), list);
            int to = dash < 0 ? from : cpu(p.substring(dash + 1), list);
            if (to < from) {
                throw new IllegalArgumentException("'" + list + "': the range " + p + " runs backwards");
            }
            cpus.set(from, to + 1);
        }
        return new CpuList(cpus);
    }

    private static int cpu(String text, String list) {
        try {
            int cpu = Integer.parseInt(text.strip());
            if (cpu >= 0 && cpu <= MAX_CPU) {
                return cpu;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("'" + list + "' is not a CPU list: use CPU numbers from 0 to " + MAX_CPU
                + ", commas and ranges, e.g. 1 or 0,2 or 2-3");
    }

    boolean isEmpty() {
        return cpus.isEmpty();
    }

    int size() {
        return cpus.cardinality();
    }

    boolean containsAll(CpuList other) {
        BitSet rest = (BitSet) other.cpus.clone();
        rest.andNot(cpus);
        return rest.isEmpty();
    }

    CpuList minus(CpuList other) {
        BitSet rest = (BitSet) cpus.clone();
        rest.andNot(other.cpus);
        return new CpuList(rest);
    }

    /** In the shortest list form: {@code 0-2,5}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (int from = cpus.nextSetBit(0); from >= 0; ) {
            int to = cpus.nextClearBit(from) - 1;
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(from);
            if (to > from) {
                out.append('-').append(to);
            }
            from = cpus.nextSetBit(to + 1);
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuList other && cpus.equals(other.cpus);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cpus);
    }
}
