package dev.keel.cli.verify;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy on 127.0.0.1 that verify puts between the idempotency store's client and a Redis on
 * this machine, to inject network faults: {@link #cut()} resets every open connection,
 * {@link #refuse(boolean)} closes new ones at once, {@link #blackHole(boolean)} forwards nothing
 * while connections stay open, {@link #latency(Duration)} delivers every chunk later, in order.
 * Only loopback targets are accepted. Thread-safe; {@link #close()} stops it and resets every
 * connection.
 */
final class LoopbackProxy implements AutoCloseable {

    private static final int CHUNK = 16 * 1024;

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean blackHole;
    private volatile boolean refuse;
    private volatile long latencyNanos;

    private LoopbackProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(this::acceptLoop, "keel-verify-proxy-" + server.getLocalPort());
    }

    /**
     * Starts a proxy that forwards to {@code host:port}, a loopback address.
     *
     * @throws IllegalArgumentException when {@code host} is not a loopback address
     * @throws UncheckedIOException     when the proxy cannot listen
     */
    static LoopbackProxy to(String host, int port) {
        InetSocketAddress target = new InetSocketAddress(host, port);
        if (target.getAddress() == null || !target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("verify's proxy forwards to this machine only, not " + host);
        }
        try {
            return new LoopbackProxy(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a proxy to " + host + ":" + port, e);
        }
    }

    /** The host clients connect to instead of the target: 127.0.0.1. */
    String host() {
        return server.getInetAddress().getHostAddress();
    }

    /** The port clients connect to instead of the target's. */
    int port() {
        return server.getLocalPort();
    }

    /** Resets every open connection; new ones are accepted unless {@link #refuse(boolean) refusing}. */
    void cut() {
        connections.forEach(Connection::reset);
    }

    /** While on, new connections are closed as soon as they are accepted. */
    void refuse(boolean on) {
        refuse = on;
    }

    /** While on, nothing is forwarded in either direction; connections stay open. */
    void blackHole(boolean on) {
        blackHole = on;
    }

    /** Delivers every chunk {@code delay} after it arrived ({@link Duration#ZERO}: none). */
    void latency(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + delay);
        }
        latencyNanos = delay.toNanos();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        cut();
    }

    @Override
    public String toString() {
        return "LoopbackProxy{" + host() + ":" + port() + " -> " + target.getHostString() + ":" + target.getPort()
                + "}";
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket client;
            try {
                client = server.accept();
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                continue;
            }
            if (refuse) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                Connection connection = new Connection(client, upstream);
                connections.add(connection);
                connection.start();
            } catch (IOException e) {
                closeQuietly(client); // the target is down: the client sees a closed connection
            }
        }
    }

    /** One client connection and its upstream; per direction a reader queues chunks, a writer sends them when due. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        private final AtomicBoolean ended = new AtomicBoolean();

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() throws IOException {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            direction(client.getInputStream(), upstream.getOutputStream(), "c2s");
            direction(upstream.getInputStream(), client.getOutputStream(), "s2c");
        }

        /** Closes both sides with a reset (SO_LINGER 0), as a network fault would. */
        void reset() {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            for (Socket socket : new Socket[] {client, upstream}) {
                try {
                    socket.setSoLinger(true, 0);
                } catch (IOException ignored) {
                    // already closed
                }
                closeQuietly(socket);
            }
            connections.remove(this);
        }

        private void direction(InputStream in, OutputStream out, String name) {
            BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
            daemon(() -> read(in, queue), "keel-verify-proxy-" + name + "-read");
            daemon(() -> write(out, queue), "keel-verify-proxy-" + name + "-write");
        }

        private void read(InputStream in, BlockingQueue<Chunk> queue) {
            byte[] buffer = new byte[CHUNK];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (!blackHole) {
                        queue.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + latencyNanos));
                    }
                }
            } catch (IOException ignored) {
                // the connection ended
            }
            queue.add(Chunk.END);
        }

        private void write(OutputStream out, BlockingQueue<Chunk> queue) {
            try {
                while (!ended.get()) {
                    Chunk chunk = queue.poll(1, TimeUnit.SECONDS);
                    if (chunk == null) {
                        continue;
                    }
                    if (chunk == Chunk.END) {
                        break;
                    }
                    long wait = chunk.dueNanos() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // the injected latency itself
                    }
                    if (!blackHole) {
                        out.write(chunk.bytes());
                        out.flush();
                    }
                }
            } catch (IOException ignored) {
                // the connection ended
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reset();
        }
    }

    private record Chunk(byte[] bytes, long dueNanos) {
        static final Chunk END = new Chunk(new byte[0], 0);
    }

    private static void daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
