package dev.keel.sample;

import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.RedisEndpoint;
import java.io.IOException;
import java.util.List;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;

/**
 * Makes Redis unavailable to the sample service, then available again, for the health test: the service
 * is started with {@link #serviceProperties()}, then {@link #begin()} and {@link #end()} the outage.
 */
interface RedisOutage extends AutoCloseable {

    /** What the service is given so that the outage reaches it (empty when its connection comes from elsewhere). */
    List<String> serviceProperties();

    void begin();

    void end();

    @Override
    void close();

    /**
     * Through a {@link FaultProxy} between the service and the harness's Redis: the outage refuses new
     * connections and resets the open ones.
     */
    static RedisOutage throughProxy(RedisEndpoint redis) {
        FaultProxy proxy = FaultProxy.to(redis.host(), redis.port());
        String auth = redis.password().map(p -> ":" + p + "@").orElse("");
        String uri = "redis://" + auth + proxy.host() + ":" + proxy.port() + "/" + redis.database();
        return new RedisOutage() {
            @Override
            public List<String> serviceProperties() {
                return List.of("--keel.redis.uri=" + uri);
            }

            @Override
            public void begin() {
                proxy.refuse(true);
                proxy.cut();
            }

            @Override
            public void end() {
                proxy.heal();
            }

            @Override
            public void close() {
                proxy.close();
            }
        };
    }

    /**
     * Inside a Redis container whose address the service takes from elsewhere (a {@code @ServiceConnection}), so
     * no proxy can stand between them: the outage makes Redis refuse every command (a password is required,
     * which the service does not have) and drops the service's connections; its end removes the password.
     */
    static RedisOutage byRefusal(GenericContainer<?> redis) {
        String password = "outage-" + Long.toHexString(System.nanoTime());
        return new RedisOutage() {
            @Override
            public List<String> serviceProperties() {
                return List.of();
            }

            @Override
            public void begin() {
                redisCli(redis, "requiring a password", "CONFIG", "SET", "requirepass", password);
                redisCli(redis, "dropping the clients", "-a", password, "--no-auth-warning", "CLIENT", "KILL", "TYPE", "normal");
            }

            @Override
            public void end() {
                redisCli(redis, "removing the password", "-a", password, "--no-auth-warning", "CONFIG", "SET", "requirepass", "");
            }

            @Override
            public void close() {
                // the container belongs to the test class
            }
        };
    }

    /** Runs redis-cli in the container; {@code what} names the step in errors (the arguments hold the password). */
    private static void redisCli(GenericContainer<?> redis, String what, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "redis-cli";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            ExecResult result = redis.execInContainer(command);
            if (result.getExitCode() != 0 || result.getStdout().startsWith("ERR") || result.getStdout().startsWith("NOAUTH")) {
                throw new IllegalStateException(what + " in the Redis container failed: " + result.getStdout()
                        + result.getStderr());
            }
        } catch (IOException e) {
            throw new IllegalStateException(what + ": cannot run redis-cli in the Redis container", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted while running redis-cli in the Redis container", e);
        }
    }
}
