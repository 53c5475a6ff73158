package dev.keel.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One client connection through a {@link FaultProxy}: a client socket, its upstream socket, and
 * for each direction a reader that queues chunks and a writer that delivers them when due, so
 * added latency keeps the order of the bytes. Each chunk is due its latency after it was read, not after
 * the chunk before it was written: bytes sent back to back (a pipeline) pay the latency once, not once
 * per chunk, and each connection has its own threads, so connections never wait for each other.
 */
final class ProxiedConnection {

    private static final int CHUNK = 16 * 1024;

    private final Socket client;
    private final Socket upstream;
    private final ProxyFaults faults;
    private final Consumer<ProxiedConnection> onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    ProxiedConnection(Socket client, Socket upstream, ProxyFaults faults, Consumer<ProxiedConnection> onClose) {
        this.client = client;
        this.upstream = upstream;
        this.faults = faults;
        this.onClose = onClose;
    }

    void start() throws IOException {
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        direction(client.getInputStream(), upstream.getOutputStream(), false, "c2s");
        direction(upstream.getInputStream(), client.getOutputStream(), true, "s2c");
    }

    /** Closes both sides with a reset (SO_LINGER 0), as a network fault would. */
    void reset() {
        if (!closed.compareAndSet(false, true)) {
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
        onClose.accept(this);
    }

    static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private void direction(InputStream in, OutputStream out, boolean toClient, String name) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        daemon(() -> read(in, queue, toClient), name + "-read");
        daemon(() -> write(out, queue, toClient), name + "-write");
    }

    private void read(InputStream in, BlockingQueue<Chunk> queue, boolean toClient) {
        byte[] buffer = new byte[CHUNK];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (!faults.discards(toClient)) {
                    queue.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + faults.latencyNanos()));
                }
            }
        } catch (IOException ignored) {
            // the connection ended
        }
        queue.add(Chunk.END);
    }

    private void write(OutputStream out, BlockingQueue<Chunk> queue, boolean toClient) {
        try {
            while (!closed.get()) {
                Chunk chunk = queue.poll(1, TimeUnit.SECONDS);
                if (chunk == null) {
                    continue;
                }
                if (chunk == Chunk.END) {
                    break;
                }
                waitUntil(chunk.dueNanos()); // the injected latency itself
                if (!faults.discards(toClient)) {
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

    /**
     * Parks until {@code dueNanos} ({@link System#nanoTime()}): to the tens of microseconds, where
     * {@code Thread.sleep} (and {@code TimeUnit.sleep}) on Java 17 round any wait below a millisecond up
     * to a whole one, which would turn a 250 µs latency into 1 ms or more.
     */
    private static void waitUntil(long dueNanos) throws InterruptedException {
        long wait;
        while ((wait = dueNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    private static void daemon(Runnable task, String name) {
        Thread thread = new Thread(task, "fault-proxy-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private record Chunk(byte[] bytes, long dueNanos) {
        static final Chunk END = new Chunk(new byte[0], 0);
    }
}
