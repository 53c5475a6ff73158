package dev.keel.jms.internal;

import dev.keel.spi.support.TlsFailures;
import java.util.Optional;

/**
 * How one ActiveMQ line's client reports what {@link JmsErrors} turns into Keel's typed errors: the
 * kinds of failure, and the names of the permissions a refusal asks to grant.
 */
public interface BrokerErrors {
    /** The broker refused a login or an operation for security. */
    boolean isSecurity(Throwable e);

    /** The security refusal {@code text} (a failure's class and message) is of the login, not of an operation. */
    boolean isLoginRefused(String text);

    /** A failure a new connection can mend. */
    boolean isConnectionLoss(Throwable e);

    /** The destination does not exist and the broker did not create it. */
    boolean isMissingDestination(Throwable e);

    /** The broker's storage for the destination is full. */
    boolean isFull(Throwable e);

    /**
     * The broker refused the message itself, for what it holds (its properties too large for the broker's journal
     * record, say): sent again, it is refused again.
     */
    default boolean isRefusedMessage(Throwable e) {
        return false;
    }

    /**
     * What was wrong with a TLS certificate when {@code e} is a connection that failed over one (the client does not
     * trust the broker's, or the broker refused the client's), and what to change; empty otherwise.
     */
    default Optional<String> certificateProblem(Throwable e) {
        return TlsFailures.certificateProblem(e);
    }

    /**
     * What to say when {@code e}, a connection that failed, is explained by a listener of the other kind than the
     * client's (TLS configured and the server a plaintext listener, or the reverse): a configuration mistake, not an
     * outage. Empty otherwise, and when the server could not be asked.
     */
    default Optional<String> listenerMismatch(Throwable e) {
        return Optional.empty();
    }

    /** The servers the client connects to, {@code host:port} comma-separated, for messages; empty when not known. */
    default String where() {
        return "";
    }

    /**
     * The permission a security refusal {@code text} (a failure's class and message) names, as the broker's
     * configuration spells it, with where to grant it; empty when the broker's message does not say, and the
     * refusal's advice is then the operation's usual {@link #permissions()}.
     */
    default Optional<String> refusedPermission(String text) {
        return Optional.empty();
    }

    /** The permissions to publish, to consume and to declare, and where the broker grants them. */
    Permissions permissions();

    /** Phrases of a refusal's message: what the user needs, and where it is granted. */
    record Permissions(String send, String consume, String declare, String where) {
    }
}
