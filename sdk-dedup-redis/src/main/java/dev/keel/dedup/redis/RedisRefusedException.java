package dev.keel.dedup.redis;

import dev.keel.StoreRefusedException;

/**
 * Redis refused the store's commands for a reason that retrying does not cure: wrong credentials or a disabled
 * user ({@code WRONGPASS}, {@code NOAUTH}), a permission the store's ACL user lacks ({@code NOPERM}: a command,
 * or keys outside its key patterns), a key under the store's prefix that holds another type of value
 * ({@code WRONGTYPE}: something else writes under that prefix), or a command the server renamed or disabled
 * ({@code ERR unknown command}, e.g. scripting turned off). Not retriable; the message names the endpoint,
 * the user (never the password) and what to grant or change. It is not an outage: Redis answered.
 *
 * <p>Keel's consumers treat it as they treat any store failure: they pause, try again every
 * {@code storeRetryInterval}, and resume once the cause is fixed (access granted, the key removed).
 */
public class RedisRefusedException extends StoreRefusedException {
    private static final long serialVersionUID = 1L;

    public RedisRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
