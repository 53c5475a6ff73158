package dev.keel.rocket;

import dev.keel.rocket.internal.RocketTls;
import org.apache.rocketmq.client.ClientConfig;

/**
 * Plain rocketmq-client clients (a producer or consumer of your own beside Keel's adapter, a benchmark's baseline)
 * started with a {@link RocketConfig}'s TLS settings, as the adapter starts its own. rocketmq-client reads its TLS
 * settings from JVM-wide statics ({@code TlsSystemConfig}) when a client starts: Keel sets them under their lock for
 * that moment and puts the previous values back, so clients with other settings can start in the same JVM.
 */
public final class RocketClients {

    /** What starts the client, such as {@code producer::start}. */
    @FunctionalInterface
    public interface Start<E extends Exception> {
        /**
         * Starts the client.
         *
         * @throws E what the client's start throws
         */
        void start() throws E;
    }

    private RocketClients() {
    }

    /**
     * Starts {@code client} with {@code start}: as is when {@code config} has no TLS; otherwise over TLS with its
     * certificates, after checking that the name servers accept them.
     *
     * @param config the settings whose TLS the client takes (its name server and credentials are the client's own)
     * @param client the client about to start, which is switched to TLS when {@code config} has it
     * @param start  what starts it
     * @param <E>    what the start throws
     * @throws E                            what the start throws
     * @throws dev.keel.AccessRefusedException when a name server refuses the certificates
     * @throws dev.keel.KeelException       when rocketmq-client cannot use TLS in this JVM (Netty 4.2 without the switch
     *                                      docs/rocketmq.md names)
     */
    public static <E extends Exception> void start(RocketConfig config, ClientConfig client, Start<E> start) throws E {
        RocketTls.start(config, client, start::start);
    }
}
