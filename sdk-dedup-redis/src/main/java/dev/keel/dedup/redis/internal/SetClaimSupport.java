package dev.keel.dedup.redis.internal;

import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Whether a server's reply to {@code SET key value NX PX <ms> GET} says that it is older than Redis 7.0,
 * which first allowed NX and GET together: Redis 6.2 and older answer {@code ERR syntax error} and run
 * nothing. The store's own arguments are always valid on 7.0, so no other cause gives that reply. The
 * version is learnt from this reply rather than from {@code INFO server}, which a least-privileged ACL
 * user may not run.
 */
public final class SetClaimSupport {

    private static final String SYNTAX_ERROR = "ERR syntax error";

    private SetClaimSupport() {
    }

    /** True if {@code error} is the server's rejection of the command as too new for it. */
    public static boolean rejected(Throwable error) {
        return error instanceof JedisDataException && error.getMessage() != null
                && error.getMessage().startsWith(SYNTAX_ERROR);
    }
}
