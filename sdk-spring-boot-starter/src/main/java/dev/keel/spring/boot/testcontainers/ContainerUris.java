package dev.keel.spring.boot.testcontainers;

/** The connection strings Keel's container connection details give, from a container's host and mapped port. */
final class ContainerUris {

    static final int REDIS_PORT = 6379;

    private ContainerUris() {
    }

    static String redis(String host, int mappedPort) {
        return "redis://" + hostForUri(host) + ":" + mappedPort;
    }

    static String amqp(String host, int mappedPort) {
        return "amqp://" + hostForUri(host) + ":" + mappedPort;
    }

    /** An IPv6 literal in brackets, as a URI needs it. */
    static String hostForUri(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
