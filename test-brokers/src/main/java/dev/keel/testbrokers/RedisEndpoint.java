package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.BrokerControl;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/** A standalone Redis server. A local one comes back empty after {@link #restart()} (no persistence). */
public final class RedisEndpoint extends BrokerEndpoint {
    private final String host;
    private final int port;
    private final String password;
    private final int database;

    public RedisEndpoint(Origin origin, String host, int port, String password, int database, BrokerControl control) {
        super(BrokerKind.REDIS, origin, control);
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.password = password;
        this.database = database;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The AUTH password, if any. Never log it. */
    public Optional<String> password() {
        return Optional.ofNullable(password);
    }

    public int database() {
        return database;
    }

    /** {@code redis://[:password@]host:port/db}; contains the password when there is one, so never log it. */
    public String uri() {
        String auth = password == null ? "" : ":" + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@";
        return "redis://" + auth + host + ":" + port + "/" + database;
    }

    @Override
    public String address() {
        return host + ":" + port + "/" + database;
    }
}
