package dev.keel.dedup.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener on 127.0.0.1 that takes every connection and never sends a byte: a Redis too slow to answer. */
final class SilentListener implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    SilentListener() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName(RedisServerProcess.HOST));
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(server.accept()); // connected, then never a reply
                }
            } catch (IOException closed) {
                // closed
            }
        }, "silent-listener");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : accepted) {
            socket.close();
        }
    }
}
