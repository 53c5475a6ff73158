package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.BrokerStartException;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import dev.keel.testbrokers.internal.tls.TlsResp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A private redis-server that speaks TLS only ({@code port 0}, {@code tls-port}) with the run's certificates, asks
 * every client for a certificate signed by the run's CA ({@code tls-auth-clients yes}), and requires a password of the
 * {@code default} user; no persistence. Its configuration is a file (the password is not on a command line).
 */
public final class LocalTlsRedis extends OneProcessBroker {
    public static final String HOST = "127.0.0.1";

    private final HarnessRuntime runtime;
    private final Path executable;
    private final TestCertificates certificates;
    private final String adminPassword;
    private final int port;
    private volatile ServerCertificate presented;

    private LocalTlsRedis(HarnessRuntime runtime, String name, Path executable, TestCertificates certificates,
                          String adminPassword, ServerCertificate presented) {
        super(runtime.run().dir(name), Duration.ofSeconds(10));
        this.runtime = runtime;
        this.executable = executable;
        this.certificates = certificates;
        this.adminPassword = adminPassword;
        this.presented = presented;
        this.port = Ports.freePort();
    }

    public static LocalTlsRedis start(HarnessRuntime runtime, TestCertificates certificates, String adminPassword) {
        return start(runtime, "redis-tls", certificates, adminPassword, ServerCertificate.CURRENT);
    }

    /**
     * A TLS Redis in the run directory {@code name} that presents {@code presented} (and asks for client certificates
     * signed by the run's CA).
     */
    public static LocalTlsRedis start(HarnessRuntime runtime, String name, TestCertificates certificates,
                                      String adminPassword, ServerCertificate presented) {
        Path executable = Executables.find("redis-server").orElseThrow(() -> new BrokerStartException(BrokerKind.REDIS,
                "redis-server is not installed (not on the PATH): apt-get install redis-server"));
        LocalTlsRedis redis = new LocalTlsRedis(runtime, name, executable, certificates, adminPassword, presented);
        runtime.atShutdown(redis::stop);
        redis.launchAndAwait();
        return redis;
    }

    /** Stops the server and starts it again on the same port, presenting {@code next}. */
    public synchronized void restartPresenting(ServerCertificate next) {
        presented = next;
        restart();
    }

    public int port() {
        return port;
    }

    /** Runs commands as the {@code default} user over TLS; see {@link TlsResp#run}. */
    public List<String> run(List<List<String>> commands) {
        try {
            return TlsResp.run(ProbeContext.trustingAnyServer(certificates), HOST, port, "default", adminPassword,
                    commands);
        } catch (IOException e) {
            throw new IllegalStateException("the TLS Redis at " + HOST + ":" + port + " does not answer: " + e, e);
        }
    }

    @Override
    void launchAndAwait() {
        Path data = runtime.run().dir("redis-tls/data");
        Path config = dir().resolve("redis.conf");
        List<String> lines = new ArrayList<>(List.of(
                "port 0", "tls-port " + port, "bind " + HOST, "protected-mode yes",
                "tls-cert-file " + certificates.serverCertificate(presented).toAbsolutePath(),
                "tls-key-file " + certificates.serverKey(presented).toAbsolutePath(),
                "tls-ca-cert-file " + certificates.caCertificate().toAbsolutePath(),
                "tls-auth-clients yes", "save \"\"", "appendonly no", "dir " + data.toAbsolutePath(),
                "daemonize no", "logfile \"\"", "requirepass " + adminPassword, ""));
        ManagedProcess started;
        try {
            Files.writeString(config, String.join("\n", lines), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
            started = runtime.launcher().launch(ProcessSpec.broker("redis-tls", List.of(executable.toString(),
                    config.toAbsolutePath().toString()), dir(), Map.of(), dir().resolve("redis.log")));
        } catch (IOException e) {
            throw new BrokerStartException(BrokerKind.REDIS, "cannot start " + executable + " with TLS", e);
        }
        running(started);
        try {
            Poll.until("a PING over TLS to Redis at " + HOST + ":" + port, runtime.settings().startTimeout(),
                    started.onExit(), () -> {
                        try {
                            return Optional.of(TlsResp.run(ProbeContext.trustingAnyServer(certificates), HOST, port,
                                    "default",
                                    adminPassword, List.of(List.of("PING"))));
                        } catch (IOException e) {
                            return Optional.empty();
                        }
                    });
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new BrokerStartException(BrokerKind.REDIS, e.getMessage() + started.tailMessage(), e);
        }
    }
}
