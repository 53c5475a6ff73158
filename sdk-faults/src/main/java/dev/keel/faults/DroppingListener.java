package dev.keel.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A listener on a free loopback port that takes every connection and resets it at once, answering nothing: what a
 * server going away looks like to a client. Tests use it to check that such a server is reported as an outage, not as
 * a refusal or a TLS mismatch.
 */
public final class DroppingListener implements AutoCloseable {

    private final ServerSocket socket;

    private DroppingListener(ServerSocket socket) {
        this.socket = socket;
    }

    /** Starts one, accepting on a daemon thread until {@link #close()}. */
    public static DroppingListener start() {
        ServerSocket socket;
        try {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on a loopback port", e);
        }
        DroppingListener listener = new DroppingListener(socket);
        Thread acceptor = new Thread(listener::dropAll, "keel-dropping-listener-" + socket.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        return listener;
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** {@code 127.0.0.1:<port>}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    private void dropAll() {
        while (!socket.isClosed()) {
            try (Socket accepted = socket.accept()) {
                accepted.setSoLinger(true, 0); // a reset, not an orderly close
            } catch (IOException closed) {
                return;
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a listener: nothing to do
        }
    }
}
