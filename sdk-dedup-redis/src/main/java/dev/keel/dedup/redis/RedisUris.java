package dev.keel.dedup.redis;

import dev.keel.spi.support.UrlPasswords;
import java.time.Duration;

/** Parsing and checks behind {@link RedisStoreConfig.Builder}: URIs, host:port pairs, timeouts. */
final class RedisUris {

    record Credentials(String user, String password) {
    }

    private RedisUris() {
    }

    /** {@code user:password}, {@code :password} or {@code password}; empty parts are absent. */
    static Credentials credentials(String userInfo) {
        if (userInfo == null || userInfo.isEmpty()) {
            return new Credentials(null, null);
        }
        int colon = userInfo.indexOf(':');
        if (colon < 0) {
            return new Credentials(null, userInfo);
        }
        String user = userInfo.substring(0, colon);
        String password = userInfo.substring(colon + 1);
        if (!user.isEmpty() && password.isEmpty()) {
            throw new IllegalArgumentException("uri names user '" + user + "' without a password");
        }
        return new Credentials(user.isEmpty() ? null : user, password.isEmpty() ? null : password);
    }

    static int database(String path, String uri) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        try {
            return Integer.parseInt(path.substring(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("uri path must be a database number, was '" + path + "' in " + masked(uri));
        }
    }

    static String checkHostPort(String hostPort) {
        requireNoUserInfo("cluster node", hostPort);
        String value = hostPort == null ? "" : hostPort.strip();
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("cluster node must be host:port, was '" + masked(hostPort) + "'");
        }
        try {
            checkPort(Integer.parseInt(value.substring(colon + 1)), "cluster node port");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cluster node must be host:port, was '" + masked(hostPort) + "'");
        }
        return value;
    }

    static int checkPort(int port, String what) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " must be in [1, 65535], was " + port);
        }
        return port;
    }

    static Duration checkTimeout(Duration timeout, String what) {
        if (timeout == null || timeout.toMillis() < 1 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException(what + " must be between 1 ms and 10 minutes, was " + timeout);
        }
        return timeout;
    }

    /** A host setting holding user info refused, saying where credentials go, the value not quoted. */
    static void requireNoUserInfo(String setting, String value) {
        UrlPasswords.requireNoUserInfo(setting, value, "give the user and password with user(...) and password(...), "
                + "or in uri(\"redis://user:password@host:port\")");
    }

    /**
     * The URI, or a value that failed to parse as one, as a message may show it: whatever precedes its last {@code @}
     * and every query value masked, whatever its scheme ({@link UrlPasswords#maskRefused}).
     */
    static String masked(String uri) {
        return UrlPasswords.maskRefused(uri);
    }
}
