package dev.keel;

/**
 * The broker answered, and refused what was asked for a reason that retrying does not cure: a login it does not
 * accept (wrong user or password, a certificate it does not trust), a virtual host or resource the user has no access
 * to, a permission the user lacks (create a topic, write to it, read a group's queues). Not retriable, and not an
 * outage: the message names what was refused, for which user, and what to grant or change. Keel never retries it:
 * a publish fails with it at once, a subscribe fails with it, and a running subscription that meets it (its
 * connection lost and the login or the consume then refused) stops with it as its failure, its unacknowledged
 * messages left on the broker for the next consumer. Fix the credentials or permissions and start again.
 *
 * <p>Refusals of the idempotency store and the databases are {@link StoreRefusedException}s.
 */
public class AccessRefusedException extends KeelException {
    private static final long serialVersionUID = 1L;

    public AccessRefusedException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
