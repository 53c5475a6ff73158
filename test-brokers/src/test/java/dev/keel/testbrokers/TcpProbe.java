package dev.keel.testbrokers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Test helper: whether a host:port accepts TCP connections. */
final class TcpProbe {

    private TcpProbe() {
    }

    static boolean accepts(String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        return accepts(hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1)));
    }

    static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
