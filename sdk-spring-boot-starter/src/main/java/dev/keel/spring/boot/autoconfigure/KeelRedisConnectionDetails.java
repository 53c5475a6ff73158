package dev.keel.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where Keel's Redis idempotency store connects: from {@code keel.redis.*} by default, or from a
 * {@code @ServiceConnection} Redis container in tests.
 */
public interface KeelRedisConnectionDetails extends ConnectionDetails {

    /** {@code redis[s]://[[user]:password@]host[:port][/database]}. */
    String uri();
}
