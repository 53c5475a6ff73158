package dev.keel.cli.bench;

import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A redis-server of a test's own, on a free loopback port, with no persistence: never a shared one, for tests that
 * pin it or fill it. {@link #start} skips the test (an assumption) where redis-server is not on the PATH.
 */
final class PrivateRedis implements AutoCloseable {

    private final Process process;
    private final int port;

    private PrivateRedis(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts one, with {@code options} after the fixture's own (e.g. {@code "--activerehashing", "no"}). */
    static PrivateRedis start(String... options) throws IOException {
        Optional<Path> server = onPath("redis-server");
        assumeThat(server).as("redis-server on the PATH").isPresent();
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        // a directory of its own: a BGSAVE a test asks for writes its file there, not into the module
        Path dir = Files.createTempDirectory("private-redis");
        dir.toFile().deleteOnExit();
        List<String> command = new ArrayList<>(List.of(server.get().toString(), "--port", "" + port, "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString()));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        PrivateRedis redis = new PrivateRedis(process, port);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(redis::pong);
        return redis;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    private boolean pong() throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(7), StandardCharsets.US_ASCII).equals("+PONG\r\n");
        }
    }

    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).findFirst();
    }
}
