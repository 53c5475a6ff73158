package dev.keel.testbrokers.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for brokers. They are taken below the kernel's ephemeral range, so that outgoing
 * connections cannot occupy a broker's port while it is down between kill and restart.
 */
public final class Ports {
    private static final int LOWEST = 20000;
    private static final int ATTEMPTS = 500;
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private Ports() {
    }

    /** A port {@code p} such that {@code p + offset} is free for every offset (e.g. {@code 0} or {@code -2, 0, 1}). */
    public static synchronized int freeBlock(int... offsets) {
        int highest = Math.max(LOWEST + 1000, Math.min(ephemeralLow(), 32768) - 3);
        for (int i = 0; i < ATTEMPTS; i++) {
            int candidate = ThreadLocalRandom.current().nextInt(LOWEST + 3, highest);
            if (allFree(candidate, offsets)) {
                for (int offset : offsets) {
                    HANDED_OUT.add(candidate + offset);
                }
                return candidate;
            }
        }
        throw new IllegalStateException("found no free TCP port block between " + LOWEST + " and " + highest);
    }

    public static int freePort() {
        return freeBlock(0);
    }

    private static boolean allFree(int base, int... offsets) {
        for (int offset : offsets) {
            int port = base + offset;
            if (HANDED_OUT.contains(port) || !bindable(port)) {
                return false;
            }
        }
        return true;
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether something accepts TCP connections on host:port within the timeout. */
    public static boolean accepts(String host, int port, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int ephemeralLow() {
        try {
            // readString trusts the reported size, which is wrong for /proc files: read lines instead
            List<String> range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"), StandardCharsets.US_ASCII);
            return Integer.parseInt(range.get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
