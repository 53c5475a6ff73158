package dev.keel.cli.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import redis.clients.jedis.RedisClient;

/**
 * What the store's Redis did during a bench pass, from Redis's own {@code INFO commandstats}: the calls and the
 * microseconds of each command, read before and after the pass, as deltas. Never reset ({@code CONFIG RESETSTAT}
 * would wipe the statistics of everyone else using that Redis), so the figure counts everything the Redis served
 * during the pass, other clients' commands too: on a shared Redis, read it as an upper bound.
 *
 * <p>Redis counts a command a script runs under its own name too ({@code GET} and {@code SET} inside an
 * {@code EVALSHA}), and the script's {@code usec} includes them: while scripts run, the sum over all commands counts
 * their inner commands twice. The report therefore also gives the script runs per message, and Redis's own CPU time
 * ({@code INFO cpu}, user plus system) per message, which counts nothing twice and includes what commandstats
 * leaves out (reading and parsing requests, writing replies).
 *
 * <p>Only a standalone Redis (one {@code INFO} answers for all the keys); on a cluster, or when {@code INFO} is
 * refused, {@link #start} answers empty and the bench says why the figure is missing.
 */
final class RedisWork {

    /** Commands listed one by one in the report: the busiest, the rest summed in the totals. */
    static final int LISTED_COMMANDS = 6;

    /** One command's counters: calls and microseconds. */
    record Counter(long calls, long usec) {

        Counter minus(Counter before) {
            return new Counter(calls - before.calls, usec - before.usec);
        }
    }

    /** Commands whose usec includes the commands they run (counted under their own names too). */
    static final java.util.Set<String> SCRIPT_COMMANDS = java.util.Set.of("eval", "evalsha", "eval_ro", "evalsha_ro",
            "fcall", "fcall_ro");
    /** The key under which {@link #since} reports Redis's CPU seconds (user + system), in microseconds. */
    static final String CPU = "(cpu)";

    private final String uri;
    private final Map<String, Counter> before;

    private RedisWork(String uri, Map<String, Counter> before) {
        this.uri = uri;
        this.before = before;
    }

    /** Reads the counters now; empty when the Redis at {@code uri} cannot tell (see the class comment). */
    static Optional<RedisWork> start(String uri) {
        try {
            return Optional.of(new RedisWork(uri, read(uri)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The counters' growth since {@link #start}, per command (commands that did not run are left out), and Redis's
     * CPU time under {@link #CPU} (calls 0).
     */
    Map<String, Counter> since() {
        Map<String, Counter> after = read(uri);
        Map<String, Counter> delta = new LinkedHashMap<>();
        after.forEach((command, counter) -> {
            Counter grown = counter.minus(before.getOrDefault(command, new Counter(0, 0)));
            if (grown.calls() > 0 || command.equals(CPU)) {
                delta.put(command, grown);
            }
        });
        return delta;
    }

    /**
     * Adds to {@code section}: Redis commands and µs of Redis time per message ({@code messages} of the pass),
     * then the {@value #LISTED_COMMANDS} busiest commands' calls and µs per call.
     */
    static void report(BenchReport.Section section, String prefix, Map<String, Counter> delta, long messages,
                       String what) {
        Counter cpu = delta.get(CPU);
        Map<String, Counter> commands = new LinkedHashMap<>(delta);
        commands.remove(CPU);
        long calls = commands.values().stream().mapToLong(Counter::calls).sum();
        long usec = commands.values().stream().mapToLong(Counter::usec).sum();
        long scripts = commands.entrySet().stream().filter(e -> SCRIPT_COMMANDS.contains(e.getKey()))
                .mapToLong(e -> e.getValue().calls()).sum();
        section.amount(prefix + "_commands_per_msg", "Redis commands per " + what + " message (all it served)",
                (double) calls / messages, "cmd/msg");
        section.micros(prefix + "_usec_per_msg", "Redis time per " + what + " message (INFO commandstats usec)",
                (double) usec / messages);
        section.amount(prefix + "_script_runs_per_msg", "  of which script runs (their inner commands count twice)",
                (double) scripts / messages, "runs/msg");
        if (cpu != null) {
            section.micros(prefix + "_cpu_usec_per_msg", "Redis CPU per " + what + " message (INFO cpu)",
                    (double) cpu.usec() / messages);
        }
        List<Map.Entry<String, Counter>> busiest = new ArrayList<>(commands.entrySet());
        busiest.sort(Comparator.comparingLong((Map.Entry<String, Counter> e) -> e.getValue().usec()).reversed());
        for (Map.Entry<String, Counter> e : busiest.subList(0, Math.min(LISTED_COMMANDS, busiest.size()))) {
            String command = e.getKey();
            String id = prefix + "_" + command.replaceAll("[^A-Za-z0-9]", "_");
            section.count(id + "_calls", "  Redis " + command.toUpperCase(java.util.Locale.ROOT) + " calls",
                    e.getValue().calls(), "calls");
            section.micros(id + "_usec_per_call", "  Redis " + command.toUpperCase(java.util.Locale.ROOT)
                    + " µs per call", (double) e.getValue().usec() / e.getValue().calls());
        }
    }

    /**
     * Adds to {@code section} the Redis time and CPU per message of a pass ({@code messages}), without the per-command
     * rows of {@link #report}: for a pass that is measured beside the one {@link #report} describes.
     */
    static void cost(BenchReport.Section section, String prefix, Map<String, Counter> delta, long messages,
                     String what) {
        long usec = delta.entrySet().stream().filter(e -> !CPU.equals(e.getKey()))
                .mapToLong(e -> e.getValue().usec()).sum();
        section.micros(prefix + "_usec_per_msg", "  Redis time per " + what + " message (INFO commandstats usec)",
                (double) usec / messages);
        Counter cpu = delta.get(CPU);
        if (cpu != null) {
            section.micros(prefix + "_cpu_usec_per_msg", "  Redis CPU per " + what + " message (INFO cpu)",
                    (double) cpu.usec() / messages);
        }
    }

    private static Map<String, Counter> read(String uri) {
        try (RedisClient redis = RedisClient.create(URI.create(uri))) {
            Map<String, Counter> counters = parse(redis.info("commandstats"));
            counters.put(CPU, new Counter(0, cpuMicros(redis.info("cpu"))));
            return counters;
        }
    }

    /** {@code used_cpu_user} plus {@code used_cpu_sys} of {@code INFO cpu}, in microseconds. */
    static long cpuMicros(String info) {
        double seconds = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return Math.round(seconds * 1_000_000);
    }

    /** {@code cmdstat_<name>:calls=<n>,usec=<n>,...} lines → name → counters. */
    static Map<String, Counter> parse(String info) {
        Map<String, Counter> counters = new LinkedHashMap<>();
        for (String line : info.split("\r?\n")) {
            if (!line.startsWith("cmdstat_") || line.indexOf(':') < 0) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            long calls = 0;
            long usec = 0;
            for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
                if (field.startsWith("calls=")) {
                    calls = Long.parseLong(field.substring("calls=".length()));
                } else if (field.startsWith("usec=")) {
                    usec = Long.parseLong(field.substring("usec=".length()));
                }
            }
            counters.put(name, new Counter(calls, usec));
        }
        return counters;
    }
}
