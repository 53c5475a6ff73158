package dev.keel.cli.bench;

import dev.keel.cli.EnvironmentException;
import dev.keel.cli.broker.StoreChoice;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code keel bench --redis-cpus}: a Redis server of this host on CPUs of its own, as if it ran on
 * another host, and the bench's JVM (with the JVMs it starts, which inherit it) on the remaining
 * CPUs. Every thread of both is pinned with {@code taskset -a -cp}; {@link #restore()} gives both
 * back the affinity they had, also when the JVM is stopped early (a shutdown hook).
 */
final class RedisPinning {

    private static final Path ONLINE_CPUS = Path.of("/sys/devices/system/cpu/online");

    private final long redisPid;
    private final CpuList redisBefore;
    private final CpuList redisCpus;
    private final long benchPid;
    private final CpuList benchBefore;
    private final CpuList benchCpus;
    private final Thread restoreOnExit;
    private boolean restored;

    private RedisPinning(long redisPid, CpuList redisBefore, CpuList redisCpus, long benchPid, CpuList benchBefore,
                         CpuList benchCpus) {
        this.redisPid = redisPid;
        this.redisBefore = redisBefore;
        this.redisCpus = redisCpus;
        this.benchPid = benchPid;
        this.benchBefore = benchBefore;
        this.benchCpus = benchCpus;
        this.restoreOnExit = new Thread(this::restoreQuietly, "keel-bench-restore-affinity");
    }

    /**
     * Pins the Redis of {@code store} to {@code redisCpus} and this JVM to the CPUs it may use but those.
     *
     * @throws EnvironmentException when taskset is missing, Redis is not a process of this host, the CPUs
     *                              leave none for the bench, or taskset fails (e.g. not permitted)
     */
    static RedisPinning pin(StoreChoice store, CpuList redisCpus) {
        if (!Affinity.tasksetOn(System.getenv("PATH"))) {
            throw new EnvironmentException("--redis-cpus pins with taskset, which is not on the PATH: install "
                    + "util-linux (Debian and Ubuntu: apt-get install util-linux), or leave out --redis-cpus");
        }
        long redisPid = localRedisPid(store);
        long benchPid = ProcessHandle.current().pid();
        CpuList benchBefore = Affinity.of(benchPid);
        CpuList online = onlineCpus();
        if (online != null && !online.containsAll(redisCpus)) {
            throw new EnvironmentException("--redis-cpus " + redisCpus + ": this host's online CPUs are " + online);
        }
        CpuList benchCpus = benchBefore.minus(redisCpus);
        if (benchCpus.isEmpty()) {
            throw new EnvironmentException("--redis-cpus " + redisCpus + " leaves none of the bench's CPUs ("
                    + benchBefore + ") for the bench itself: give Redis fewer CPUs");
        }
        CpuList redisBefore = Affinity.of(redisPid);
        RedisPinning pinning = new RedisPinning(redisPid, redisBefore, redisCpus, benchPid, benchBefore, benchCpus);
        // the hook first: a SIGTERM between pinning Redis and registering it left Redis pinned (seen under load)
        Runtime.getRuntime().addShutdownHook(pinning.restoreOnExit);
        try {
            pinning.apply();
        } catch (RuntimeException e) {
            pinning.restoreQuietly();
            throw e;
        }
        return pinning;
    }

    /** Pins both, unless restored meanwhile (a SIGTERM's hook waits for this, then restores). */
    private synchronized void apply() {
        if (restored) {
            return;
        }
        Affinity.pinAllThreads(redisPid, redisCpus);
        Affinity.pinAllThreads(benchPid, benchCpus);
    }

    /**
     * The Redis server's process id, when it runs on this host: its {@code INFO server} process_id is a
     * process here whose command is a Redis (or Valkey) server listening on the port Redis reports.
     */
    static long localRedisPid(StoreChoice store) {
        InetSocketAddress address = store.redisAddress();
        String where = address.getHostString() + ":" + address.getPort();
        if (!isLocal(address.getHostString())) {
            throw notLocal(where, "its address is not one of this host's");
        }
        return localPid(store.serverInfo(), where);
    }

    /** The process_id of {@code info} (Redis's INFO server), when it is a Redis server of this host. */
    static long localPid(String info, String where) {
        String pidText = field(info, "process_id");
        String port = field(info, "tcp_port");
        long pid;
        try {
            pid = Long.parseLong(pidText);
        } catch (NumberFormatException e) {
            throw new EnvironmentException("--redis-cpus: Redis at " + where + " reports no process_id in INFO "
                    + "server (was '" + pidText + "')");
        }
        if (!Affinity.exists(pid)) {
            throw notLocal(where, "it reports process_id " + pid + ", which is no process of this host (a "
                    + "container's, or another host's)");
        }
        try {
            String command = Affinity.command(pid);
            String commandLine = Affinity.commandLine(pid);
            boolean server = command.contains("redis") || command.contains("valkey");
            if (!server || port != null && !commandLine.contains(":" + port)) {
                throw notLocal(where, "it reports process_id " + pid + ", which here is '" + command
                        + "', not a Redis server on port " + port + " (Redis in a container, or another host's)");
            }
        } catch (IOException e) {
            throw notLocal(where, "process " + pid + " cannot be read here (" + e.getMessage() + ")");
        }
        return pid;
    }

    private static EnvironmentException notLocal(String where, String why) {
        return new EnvironmentException("--redis-cpus pins a Redis server that runs on this host, and Redis at "
                + where + " does not: " + why + ". A Redis on another host has its own cores already: leave out "
                + "--redis-cpus.");
    }

    private static boolean isLocal(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isLoopbackAddress() || address.isAnyLocalAddress()
                    || NetworkInterface.getByInetAddress(address) != null;
        } catch (UnknownHostException | SocketException e) {
            return false;
        }
    }

    private static String field(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return null;
    }

    private static CpuList onlineCpus() {
        try {
            return CpuList.parse(Files.readString(ONLINE_CPUS));
        } catch (IOException | IllegalArgumentException e) {
            return null; // taskset says what is wrong with an offline CPU
        }
    }

    /** The report's header line. */
    String description() {
        return "Redis pinned: the Redis server (process " + redisPid + ") on CPU " + redisCpus + " (was "
                + redisBefore + "), this bench's JVM and the JVMs it starts on CPU " + benchCpus + " (was "
                + benchBefore + "); the broker and everything else are not pinned; both restored at the end";
    }

    CpuList redisCpus() {
        return redisCpus;
    }

    CpuList benchCpus() {
        return benchCpus;
    }

    /**
     * Gives Redis and this JVM back the affinity they had; once.
     *
     * @return a warning when Redis's or this JVM's could not be restored, or null
     */
    synchronized String restore() {
        if (restored) {
            return null;
        }
        restored = true;
        try {
            Runtime.getRuntime().removeShutdownHook(restoreOnExit);
        } catch (IllegalStateException e) {
            // shutting down: this is the hook
        }
        StringBuilder warnings = new StringBuilder();
        for (long pid : new long[] {redisPid, benchPid}) {
            CpuList before = pid == redisPid ? redisBefore : benchBefore;
            try {
                if (Affinity.exists(pid)) {
                    Affinity.pinAllThreads(pid, before);
                }
            } catch (EnvironmentException e) {
                warnings.append(warnings.length() > 0 ? "; " : "").append("could not give process ").append(pid)
                        .append(" back its CPUs ").append(before).append(": ").append(e.getMessage());
            }
        }
        return warnings.length() > 0 ? warnings.toString() : null;
    }

    private void restoreQuietly() {
        String warning = restore();
        if (warning != null) {
            System.err.println("keel: warning: " + warning);
        }
    }
}
