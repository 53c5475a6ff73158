package dev.keel.rocket.internal;

import dev.keel.AccessRefusedException;
import dev.keel.rocket.RocketConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;
import org.apache.rocketmq.remoting.exception.RemotingSendRequestException;

/**
 * Tells a request to a broker that failed because a TLS handshake refused a certificate from one that failed for
 * another reason (the broker down, restarting or cut off). rocketmq-client reports both alike: its TLS handshake runs
 * after the request was handed to the new connection, and a handshake that fails only closes the connection, so the
 * request fails unsent ({@code RemotingSendRequestException}, with no cause), or the connection is found closed
 * ({@code RemotingConnectException}). After such a failure over TLS, {@link #atBroker} makes one connection of Keel's
 * own to that broker with the adapter's certificates ({@link RocketTls#certificateProblemAt}): a certificate refused
 * either way (the broker's expired, or of a CA the adapter does not trust; the adapter's refused by the broker) is an
 * {@link AccessRefusedException}, not retriable. The answer for an address is kept for {@link #REMEMBERED}, so that
 * the requests failing together cost one connection. One per client.
 */
final class TlsRefusals {

    /** How long the outcome of a check of one address stands for later failures. */
    static final Duration REMEMBERED = Duration.ofSeconds(1);

    private final RocketConfig config;
    private final Map<String, Checked> checked = new ConcurrentHashMap<>();

    private record Checked(long atNanos, Optional<String> problem) {
    }

    TlsRefusals(RocketConfig config) {
        this.config = config;
    }

    /** Whether {@code e} is a request that failed for want of a connection: what a refused TLS handshake looks like. */
    static boolean notConnected(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RemotingSendRequestException || t instanceof RemotingConnectException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Over TLS, after a request to the broker at {@code address} ({@code host:port}) failed for want of a connection
     * ({@link #notConnected}): the refusal of {@code what} when a certificate is the reason; empty otherwise (no TLS,
     * or an outage).
     */
    Optional<AccessRefusedException> atBroker(String address, String what) {
        if (!config.tls() || address == null) {
            return Optional.empty();
        }
        long now = System.nanoTime();
        Checked last = checked.get(address);
        if (last == null || now - last.atNanos() >= REMEMBERED.toNanos()) {
            try {
                last = new Checked(now, RocketTls.certificateProblemAt(config, address));
            } catch (AccessRefusedException unusable) {
                return Optional.of(unusable); // the client's certificate or key no longer read as it was built
            }
            checked.put(address, last);
        }
        return last.problem().map(problem -> new AccessRefusedException("cannot connect to the RocketMQ broker "
                + address + " over TLS when " + what + ": " + problem + " (RocketConfig tls(...) and "
                + "clientCertificate(...)); not retried", null));
    }
}
