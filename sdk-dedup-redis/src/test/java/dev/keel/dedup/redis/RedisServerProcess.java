package dev.keel.dedup.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A private redis-server for tests, on 127.0.0.1 and a free port, in a temporary directory:
 * {@link #kill()} is kill -9, {@link #restart()} starts it again on the same port and directory
 * (with {@code appendonly yes} it comes back with its data). Stopped at {@link #close()} and, should a
 * test forget, at JVM exit.
 */
final class RedisServerProcess implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private final boolean plainPing;
    private final Thread shutdownHook;
    private volatile Process process;

    private RedisServerProcess(int port, Path dir, List<String> extraArgs, boolean plainPing) {
        this.port = port;
        this.dir = dir;
        this.extraArgs = List.copyOf(extraArgs);
        this.plainPing = plainPing;
        this.shutdownHook = new Thread(this::destroy, "redis-test-server-stop-" + port);
    }

    /** Starts redis-server without persistence; {@code extraArgs} are more {@code --option value} pairs. */
    static RedisServerProcess start(String... extraArgs) {
        return start(freePort(), true, List.of(extraArgs));
    }

    /**
     * Starts redis-server on {@code port}. {@code plainPing}: whether readiness is a plaintext PING
     * (false for a TLS-only server: then readiness is an accepted TCP connection).
     */
    static RedisServerProcess start(int port, boolean plainPing, List<String> extraArgs) {
        try {
            Path dir = Files.createTempDirectory("keel-redis-" + port + "-");
            RedisServerProcess server = new RedisServerProcess(port, dir, extraArgs, plainPing);
            Runtime.getRuntime().addShutdownHook(server.shutdownHook);
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    String host() {
        return HOST;
    }

    String hostPort() {
        return HOST + ":" + port;
    }

    Path dir() {
        return dir;
    }

    boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** kill -9, and wait until the process is gone. */
    void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server on port " + port + " did not die after kill -9");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts it again on the same port and directory (kills it first if it still runs). */
    void restart() {
        kill();
        launch();
    }

    @Override
    public void close() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down; the hook runs destroy() anyway
        }
    }

    private void destroy() {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind", HOST,
                "--dir", dir.toString(), "--save", "", "--daemonize", "no"));
        if (!extraArgs.contains("--appendonly")) {
            command.addAll(List.of("--appendonly", "no"));
        }
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server (is it installed? apt-get install redis-server)", e);
        }
        Awaitility.await("redis-server on port " + port + " to serve").atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("redis-server on port " + port + " exited: " + log());
                    }
                    return serves();
                });
    }

    private boolean serves() {
        int listenPort = extraArgs.contains("--tls-port") ? Integer.parseInt(extraArgs.get(extraArgs.indexOf("--tls-port") + 1))
                : port;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, listenPort), 1_000);
            if (!plainPing) {
                return true;
            }
            socket.setSoTimeout(1_000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64];
            int n = in.read(buffer);
            String reply = n > 0 ? new String(buffer, 0, n, StandardCharsets.US_ASCII) : "";
            return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH");
        } catch (IOException e) {
            return false;
        }
    }

    String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** A port free now, whose cluster bus port (port + 10000) is free too. */
    static int freePort() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = ThreadLocalRandom.current().nextInt(20_000, 45_000);
            if (isFree(candidate) && isFree(candidate + 10_000)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free port pair found");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(HOST, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
