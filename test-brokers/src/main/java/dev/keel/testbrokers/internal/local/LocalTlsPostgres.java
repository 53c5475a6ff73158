package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import dev.keel.testbrokers.internal.process.RunDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A private PostgreSQL cluster of this test JVM, never the machine's service: {@code initdb} and {@code postgres} of
 * the installed PostgreSQL ({@code /usr/lib/postgresql/<version>/bin}), on 127.0.0.1 and a free port, its socket in its
 * own directory, with {@code ssl=on} and the run's certificates. TCP clients must use TLS and present a client
 * certificate the run's CA signed ({@code hostssl ... scram-sha-256 clientcert=verify-ca}); the superuser
 * {@code postgres} logs in over the socket only (trust). As root, every PostgreSQL program runs as the user
 * {@code postgres} ({@code setpriv}), since PostgreSQL refuses to run as root.
 */
public final class LocalTlsPostgres extends OneProcessBroker {
    public static final String HOST = "127.0.0.1";
    public static final String DATABASE = "keel";
    private static final Path INSTALLED = Path.of("/usr/lib/postgresql");
    private static final String OWNER = "postgres";

    private final HarnessRuntime runtime;
    private final Path bin;
    private final TestCertificates certificates;
    private final int port;
    private final boolean root;

    private LocalTlsPostgres(HarnessRuntime runtime, Path bin, TestCertificates certificates, Path dir, boolean root) {
        super(dir, Duration.ofSeconds(10));
        this.runtime = runtime;
        this.bin = bin;
        this.certificates = certificates;
        this.port = Ports.freePort();
        this.root = root;
    }

    /**
     * Where the cluster lives: the run's directory, or as root a directory of its own under the system's temporary
     * directory, since the user {@code postgres} must reach it and a checkout may lie under a directory only root
     * can enter ({@code mktemp -d} makes one): initdb failed there with "Permission denied". Deleted on stop.
     */
    private static Path directory(HarnessRuntime runtime, boolean root) {
        if (!root) {
            return runtime.run().dir("postgres-tls");
        }
        try {
            return Files.createTempDirectory("keel-postgres-tls-");
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL: cannot make a directory under " + System.getProperty(
                    "java.io.tmpdir") + ": " + e, e);
        }
    }

    public static LocalTlsPostgres start(HarnessRuntime runtime, TestCertificates certificates) {
        Path bin = findBin().orElseThrow(() -> new IllegalStateException("PostgreSQL: no "
                + INSTALLED + "/<version>/bin/initdb: apt-get install postgresql"));
        boolean root = "root".equals(System.getProperty("user.name"));
        LocalTlsPostgres postgres = new LocalTlsPostgres(runtime, bin, certificates, directory(runtime, root), root);
        runtime.atShutdown(postgres::stop);
        postgres.init();
        postgres.launchAndAwait();
        postgres.psql("postgres", "CREATE DATABASE " + DATABASE);
        return postgres;
    }

    public int port() {
        return port;
    }

    /** Runs {@code sql} as the superuser over the socket, in {@code database}; returns psql's output. */
    public String psql(String database, String sql) {
        return run(List.of(bin.resolve("psql").toString(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", socketDir().toString(), "-p", String.valueOf(port), "-U", "postgres", "-d", database, "-c", sql),
                false);
    }

    private static Optional<Path> findBin() {
        try (Stream<Path> versions = Files.list(INSTALLED)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(b -> b.getParent().getFileName().toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private Path data() {
        return dir().resolve("data");
    }

    private Path socketDir() {
        return dir().resolve("socket");
    }

    private void init() {
        try {
            Files.createDirectories(socketDir());
            Files.createDirectories(data());
            Path certs = dir().resolve("certs");
            Files.createDirectories(certs);
            Files.copy(certificates.serverCertificate(), certs.resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(certificates.serverKey(), certs.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(certificates.caCertificate(), certs.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(certs.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
            if (root) {
                run(List.of("chown", "-R", OWNER + ":" + OWNER, dir().toString()), false);
            }
            run(List.of(bin.resolve("initdb").toString(), "-D", data().toString(), "-U", "postgres",
                    "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--no-instructions"), true);
            Files.writeString(data().resolve("pg_hba.conf"), String.join("\n",
                    "local all all trust",
                    "hostssl all all " + HOST + "/32 scram-sha-256 clientcert=verify-ca",
                    ""), StandardCharsets.UTF_8);
            Files.writeString(data().resolve("postgresql.conf"), String.join("\n",
                    "port = " + port,
                    "listen_addresses = '" + HOST + "'",
                    "unix_socket_directories = '" + socketDir() + "'",
                    "ssl = on",
                    "ssl_cert_file = '" + certs.resolve("server.crt") + "'",
                    "ssl_key_file = '" + certs.resolve("server.key") + "'",
                    "ssl_ca_file = '" + certs.resolve("ca.crt") + "'",
                    "password_encryption = 'scram-sha-256'",
                    "fsync = off", "synchronous_commit = off", "full_page_writes = off",
                    "shared_buffers = 16MB", "max_connections = 50", "logging_collector = off",
                    ""), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL: cannot prepare " + dir() + ": " + e, e);
        }
    }

    @Override
    void launchAndAwait() {
        ManagedProcess started;
        try {
            started = runtime.launcher().launch(ProcessSpec.broker("postgres-tls", asOwner(List.of(
                    bin.resolve("postgres").toString(), "-D", data().toString())), dir(), Map.of(),
                    dir().resolve("postgres.log")));
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL: cannot start " + bin.resolve("postgres"), e);
        }
        running(started);
        try {
            Poll.until("PostgreSQL at " + HOST + ":" + port, runtime.settings().startTimeout(), started.onExit(), () -> {
                try {
                    psql("postgres", "SELECT 1");
                    return Optional.of(true);
                } catch (IllegalStateException notYet) {
                    return Optional.empty();
                }
            });
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new IllegalStateException("PostgreSQL: " + e.getMessage() + started.tailMessage(), e);
        }
    }

    @Override
    public void stop() {
        super.stop();
        RunDirectory.deleteTree(root ? dir() : dir().resolve("certs"));
    }

    /** {@code command} as the user {@code postgres} when this JVM runs as root, else as it is. */
    private List<String> asOwner(List<String> command) {
        if (!root) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + OWNER, "--regid=" + OWNER,
                "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private String run(List<String> command, boolean asOwner) {
        return ProgramRun.run(Path.of(command.get(0)).getFileName().toString(), dir(),
                asOwner ? asOwner(command) : command, null);
    }
}
