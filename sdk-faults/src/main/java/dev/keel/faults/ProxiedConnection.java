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
import java.util.function.Consumer;

/**
 * One client connection through a {@link FaultProxy}: a client socket, its upstream socket, and
 * for each direction a reader that queues chunks and a writer that delivers them when due, so
 * added latency keeps the order of the bytes.
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
                long wait = chunk.dueNanos() - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the injected latency itself
                }
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

    private static void daemon(Runnable task, String name) {
        Thread thread = new Thread(task, "fault-proxy-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private record Chunk(byte[] bytes, long dueNanos) {
        static final Chunk END = new Chunk(new byte[0], 0);
    }
}
