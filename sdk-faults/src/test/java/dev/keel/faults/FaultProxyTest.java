package dev.keel.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy on a real loopback echo server: each fault does what it says, and heals. */
class FaultProxyTest {

    private ServerSocket echo;
    private final AtomicInteger received = new AtomicInteger();
    private FaultProxy proxy;

    @BeforeEach
    void startEchoServer() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> echoLoop(s));
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = FaultProxy.to("127.0.0.1", echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    @Test
    void bytesShouldPassThroughUnchanged() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "hello")).isEqualTo("hello");
        }
    }

    @Test
    void cutShouldResetOpenConnectionsAndAcceptNewOnes() throws IOException {
        Socket s = connect();
        assertThat(roundTrip(s, "a")).isEqualTo("a");
        proxy.cut();
        assertThatThrownBy(() -> {
            for (int i = 0; i < 10; i++) {
                roundTrip(s, "b");
            }
        }).isInstanceOf(IOException.class);
        s.close();
        try (Socket again = connect()) {
            assertThat(roundTrip(again, "c")).isEqualTo("c");
        }
    }

    @Test
    void blackHoleShouldForwardNothingUntilHealed() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "a")).isEqualTo("a");
            proxy.blackHole(true);
            send(s, "lost");
            assertThatThrownBy(() -> read(s, 4)).isInstanceOf(SocketTimeoutException.class);
            proxy.heal();
            assertThat(roundTrip(s, "back")).isEqualTo("back");
        }
    }

    @Test
    void droppedRepliesShouldStillDeliverRequests() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "a")).isEqualTo("a");
            int before = received.get();
            proxy.dropReplies(true);
            send(s, "write");
            await().atMost(Duration.ofSeconds(10)).until(() -> received.get() >= before + 5);
            assertThatThrownBy(() -> read(s, 5)).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void latencyShouldDelayButKeepOrder() throws IOException {
        proxy.latency(Duration.ofMillis(200));
        try (Socket s = connect()) {
            long start = System.nanoTime();
            send(s, "one");
            send(s, "two");
            assertThat(read(s, 6)).isEqualTo("onetwo");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    void aPipelineShouldPayTheLatencyOnceEachWayNotOncePerRequest() throws IOException {
        // long enough that a loaded machine's scheduling (about 1 s at load 40) stays far under the bound
        Duration delay = Duration.ofMillis(500);
        int requests = 20;
        proxy.latency(delay);
        try (Socket s = connect()) {
            s.setTcpNoDelay(true); // each request its own segment, as a client's pipelined writes
            s.setSoTimeout(30_000);
            StringBuilder expected = new StringBuilder();
            long start = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                String request = String.format("r%02d", i);
                send(s, request);
                expected.append(request);
            }
            assertThat(read(s, expected.length())).isEqualTo(expected.toString());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // one round trip is 2 x delay; delays paid one request after the other would take 20 x 2 x delay
            assertThat(took).isGreaterThanOrEqualTo(delay.multipliedBy(2))
                    .isLessThan(delay.multipliedBy(requests / 2));
        }
    }

    @Test
    void connectionsShouldEachDelayTheirOwnBytesWithoutWaitingForEachOther() throws Exception {
        Duration delay = Duration.ofMillis(500); // as above: the bound (4 s) leaves room for a loaded machine
        int clients = 8;
        proxy.latency(delay);
        java.util.List<Socket> sockets = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                Socket s = connect();
                s.setSoTimeout(30_000);
                sockets.add(s);
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
            try {
                long start = System.nanoTime();
                java.util.List<java.util.concurrent.Future<String>> replies = new java.util.ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    Socket s = sockets.get(i);
                    String text = "c" + i;
                    replies.add(pool.submit(() -> roundTrip(s, text)));
                }
                for (int i = 0; i < clients; i++) {
                    assertThat(replies.get(i).get()).isEqualTo("c" + i);
                }
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                // each round trip is 2 x delay; one connection after the other would take 8 x 2 x delay
                assertThat(took).isLessThan(delay.multipliedBy(clients));
            } finally {
                pool.shutdownNow();
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void refusingShouldCloseNewConnections() throws IOException {
        proxy.refuse(true);
        try (Socket s = new Socket(proxy.host(), proxy.port())) {
            s.setSoTimeout(5_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void nonLoopbackTargetsShouldBeRefused() {
        assertThatThrownBy(() -> FaultProxy.to("192.0.2.1", 80)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loopback");
    }

    @Test
    void proxyStartedOnAGivenPortShouldListenThereAndForward() throws IOException {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (FaultProxy fixed = FaultProxy.on(port, "127.0.0.1", echo.getLocalPort());
             Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(1_000);
            assertThat(fixed.port()).isEqualTo(port);
            assertThat(roundTrip(s, "fixed")).isEqualTo("fixed");
        }
    }

    @Test
    void listenPortOutOfRangeShouldBeRefused() {
        assertThatThrownBy(() -> FaultProxy.on(0, "127.0.0.1", echo.getLocalPort()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listenPort");
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(proxy.host(), proxy.port());
        s.setSoTimeout(1_000);
        return s;
    }

    private String roundTrip(Socket s, String text) throws IOException {
        send(s, text);
        return read(s, text.length());
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String read(Socket s, int n) throws IOException {
        byte[] buf = s.getInputStream().readNBytes(n);
        if (buf.length < n) {
            throw new IOException("connection closed after " + buf.length + " bytes");
        }
        return new String(buf, StandardCharsets.UTF_8);
    }

    private void echoLoop(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int b;
            while ((b = in.read()) >= 0) {
                received.incrementAndGet();
                out.write(b);
                out.flush();
            }
        } catch (IOException ignored) {
            // closed
        }
    }
}
