package dev.keel.dedup.redis;

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
        String value = hostPort == null ? "" : hostPort.strip();
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("cluster node must be host:port, was '" + hostPort + "'");
        }
        try {
            checkPort(Integer.parseInt(value.substring(colon + 1)), "cluster node port");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cluster node must be host:port, was '" + hostPort + "'");
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

    /** The URI with any user info replaced, so that a message never shows a password. */
    static String masked(String uri) {
        int at = uri.lastIndexOf('@');
        int scheme = uri.indexOf("://");
        if (at < 0 || scheme < 0 || at < scheme) {
            return uri;
        }
        return uri.substring(0, scheme + 3) + "****" + uri.substring(at);
    }
}
