package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.Provided;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import dev.keel.testbrokers.internal.process.RunDirectory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A private redis-server on 127.0.0.1 and a free port, without persistence: after kill and restart
 * (same port) it is empty, like a Redis that lost its data.
 */
final class LocalRedis extends OneProcessBroker {
    private static final String HOST = "127.0.0.1";

    private final HarnessRuntime runtime;
    private final Path executable;
    private final int port;
    private final Duration startTimeout;

    private LocalRedis(HarnessRuntime runtime, Path executable) {
        super(runtime.run().dir("redis"), Duration.ofSeconds(10));
        this.runtime = runtime;
        this.executable = executable;
        this.port = Ports.freePort();
        this.startTimeout = runtime.settings().startTimeout();
    }

    static Provided start(HarnessRuntime runtime) {
        Path executable = Executables.find("redis-server").orElseThrow(() -> new BrokerStartException(BrokerKind.REDIS,
                "redis-server is not installed (not on the PATH): apt-get install redis-server, "
                        + "or set KEEL_REDIS_URI to a running Redis, or run with a Docker engine"));
        LocalRedis redis = new LocalRedis(runtime, executable);
        runtime.atShutdown(redis::stop);
        redis.launchAndAwait();
        return new Provided(new RedisEndpoint(Origin.LOCAL, HOST, redis.port, null, 0, redis), redis);
    }

    @Override
    void launchAndAwait() {
        Path data = runtime.run().dir("redis/data");
        List<String> command = List.of(executable.toString(),
                "--port", String.valueOf(port), "--bind", HOST, "--protected-mode", "yes",
                "--save", "", "--appendonly", "no", "--dir", data.toAbsolutePath().toString(),
                "--daemonize", "no", "--logfile", "");
        ManagedProcess started;
        try {
            started = runtime.launcher().launch(ProcessSpec.broker("redis", command, dir(), Map.of(), dir().resolve("redis.log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.REDIS, "cannot start " + executable, e);
        }
        running(started);
        try {
            Poll.until("Redis PING at " + HOST + ":" + port, startTimeout, started.onExit(),
                    () -> RedisPing.ping(HOST, port) ? Optional.of(true) : Optional.empty());
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.REDIS, e.getMessage() + started.tailMessage(), e);
        }
    }
}
