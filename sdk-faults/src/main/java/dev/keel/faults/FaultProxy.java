package dev.keel.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy on 127.0.0.1 between a client and one real broker (or Redis), for network fault
 * tests. Point the client at {@link #port()} instead of the broker's port; then inject faults:
 *
 * <ul>
 *   <li>{@link #cut()}: resets every open connection (both sides see a reset); new connections
 *       are accepted again at once, as after a short network blip;</li>
 *   <li>{@link #blackHole(boolean)}: connections stay open and new ones are accepted, but nothing
 *       is forwarded in either direction (a partition, or a peer that stopped answering);</li>
 *   <li>{@link #dropReplies(boolean)}: requests reach the server, its replies are discarded (the
 *       write happened, the answer is lost);</li>
 *   <li>{@link #latency(Duration)}: every chunk is delivered that much later, in order, in each
 *       direction: a request and its reply pay it twice, as over a network link with that one-way
 *       delay; bytes sent back to back (a pipeline) pay it once, not once per chunk;</li>
 *   <li>{@link #refuse(boolean)}: new connections are closed as soon as they are accepted.</li>
 * </ul>
 *
 * <p>Faults apply at once to open connections. Only loopback addresses are accepted as targets:
 * fault tests never send traffic off this machine. Thread-safe; {@link #close()} stops the proxy
 * and closes every connection.
 */
public final class FaultProxy implements AutoCloseable {

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<ProxiedConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ProxyFaults faults = new ProxyFaults();

    private FaultProxy(int listenPort, InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(listenPort, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a proxy that forwards to {@code host:port}.
     *
     * @throws IllegalArgumentException when {@code host} is not a loopback address
     * @throws UncheckedIOException     when the proxy cannot listen
     */
    public static FaultProxy to(String host, int port) {
        return start(0, host, port);
    }

    /**
     * Starts a proxy listening on 127.0.0.1:{@code listenPort} that forwards to {@code host:port}:
     * for a server that must know the proxy's port before the proxy starts, such as a Kafka broker
     * advertising it as a listener's address.
     *
     * @throws IllegalArgumentException when {@code host} is not a loopback address or
     *                                  {@code listenPort} is not in 1-65535
     * @throws UncheckedIOException     when the proxy cannot listen on that port
     */
    public static FaultProxy on(int listenPort, String host, int port) {
        if (listenPort < 1 || listenPort > 65535) {
            throw new IllegalArgumentException("listenPort must be in 1-65535, was " + listenPort);
        }
        return start(listenPort, host, port);
    }

    private static FaultProxy start(int listenPort, String host, int port) {
        Objects.requireNonNull(host, "host");
        InetSocketAddress target = new InetSocketAddress(host, port);
        if (target.getAddress() == null || !target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("a fault proxy forwards to loopback addresses only, not " + host);
        }
        try {
            return new FaultProxy(listenPort, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a fault proxy on port " + listenPort + " to " + host + ":"
                    + port, e);
        }
    }

    /** The host clients connect to: always 127.0.0.1. */
    public String host() {
        return server.getInetAddress().getHostAddress();
    }

    /** The port clients connect to instead of the target's. */
    public int port() {
        return server.getLocalPort();
    }

    /** How many client connections are open through the proxy. */
    public int openConnections() {
        return connections.size();
    }

    /** Resets every open connection; the proxy keeps accepting new ones. */
    public void cut() {
        for (ProxiedConnection connection : connections) {
            connection.reset();
        }
    }

    /** While on, nothing is forwarded in either direction; connections stay open. */
    public void blackHole(boolean on) {
        faults.blackHole(on);
    }

    /** While on, the server's replies are discarded; requests still reach it. */
    public void dropReplies(boolean on) {
        faults.dropReplies(on);
    }

    /**
     * Delivers every chunk {@code delay} later than it arrived, in each direction (zero: no added
     * latency): a round trip through the proxy takes {@code 2 × delay} more. The delay is a link's, not a
     * bandwidth limit: a chunk is due {@code delay} after it arrived, whatever is queued before it, so a
     * pipeline of requests pays it once; each connection delays its own bytes. Waits are precise to tens
     * of microseconds (the scheduler's), so sub-millisecond delays such as 250 µs hold.
     */
    public void latency(Duration delay) {
        faults.latency(delay);
    }

    /** While on, new connections are closed as soon as they are accepted. */
    public void refuse(boolean on) {
        faults.refuse(on);
    }

    /** Lifts every fault: forwarding resumes, with no added latency. */
    public void heal() {
        faults.heal();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
        for (ProxiedConnection connection : connections) {
            connection.reset();
        }
    }

    @Override
    public String toString() {
        return "FaultProxy{" + host() + ":" + port() + " -> " + target.getHostString() + ":" + target.getPort() + "}";
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
            if (faults.refusing()) {
                ProxiedConnection.closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                ProxiedConnection connection = new ProxiedConnection(client, upstream, faults, connections::remove);
                connections.add(connection);
                connection.start();
            } catch (IOException e) {
                ProxiedConnection.closeQuietly(client); // the target is down: the client sees a closed connection
            }
        }
    }
}
