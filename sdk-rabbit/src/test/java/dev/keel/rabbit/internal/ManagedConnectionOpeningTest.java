package dev.keel.rabbit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Connection;
import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.rabbit.RabbitConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A connection being opened to a broker that accepts it and never answers (a black-holed or hung node) holds no lock
 * the adapter's close or the producer's sweep waits for: either ends the opening by closing its socket, instead of
 * waiting up to the connection timeout (here ten minutes) and the probes of a failed connection after it. Before, both
 * waited for the opening, and an adapter's close took the connection timeout and more past its own.
 */
class ManagedConnectionOpeningTest {

    private static final Duration NEVER = Duration.ofMinutes(10);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration RETRY_INTERVAL = Duration.ofMinutes(1);

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void aCloseShouldEndAConnectionBeingOpenedToABrokerThatNeverAnswers() throws Exception {
        try (ServerSocket silent = silentBroker()) {
            ManagedConnection connection = connectionTo(silent);
            CompletableFuture<Connection> opening = CompletableFuture.supplyAsync(connection::get, threads);
            try (Socket accepted = silent.accept()) { // the client connected; it now waits for the broker's first frame
                CompletableFuture<Void> closing = CompletableFuture.runAsync(connection::close, threads);

                await().atMost(WAIT).until(closing::isDone);
                assertThat(opening).failsWithin(WAIT).withThrowableThat().havingCause()
                        .isInstanceOf(ClosedException.class);
            }
        }
    }

    @Test
    void aForcedCloseShouldEndAConnectionBeingOpenedAndTheNextAttemptWaitTheRetryIntervalFromThen() throws Exception {
        try (ServerSocket silent = silentBroker()) {
            AtomicLong clock = new AtomicLong();
            ManagedConnection connection = connectionTo(silent, clock::get);
            CompletableFuture<Connection> opening = CompletableFuture.supplyAsync(connection::get, threads);
            try (Socket accepted = silent.accept()) {
                // the opening has lasted longer than the retry interval when it is ended
                clock.set(RETRY_INTERVAL.multipliedBy(2).toNanos());
                CompletableFuture<Void> forcing = CompletableFuture.runAsync(
                        () -> connection.forceClose("a channel opening lasted over maxBlock"), threads);

                await().atMost(WAIT).until(forcing::isDone);
                assertThat(opening).failsWithin(WAIT).withThrowableThat().havingCause()
                        .isInstanceOf(BrokerUnavailableException.class);
                assertThat(CompletableFuture.supplyAsync(connection::get, threads)).failsWithin(WAIT)
                        .withThrowableThat().havingCause().isInstanceOf(BrokerUnavailableException.class)
                        .withMessageContaining("next attempt in");
            } finally {
                connection.close();
            }
        }
    }

    /** A listener that takes connections into its backlog and never says a word. */
    private static ServerSocket silentBroker() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        silent.setSoTimeout((int) WAIT.toMillis());
        return silent;
    }

    private static ManagedConnection connectionTo(ServerSocket silent) {
        return connectionTo(silent, System::nanoTime);
    }

    private static ManagedConnection connectionTo(ServerSocket silent, LongSupplier nanoTime) {
        RabbitConfig config = RabbitConfig.custom().host("127.0.0.1").port(silent.getLocalPort())
                .connectionTimeout(NEVER).build();
        return new ManagedConnection(new Connector(config), "publish", RETRY_INTERVAL, nanoTime);
    }
}
