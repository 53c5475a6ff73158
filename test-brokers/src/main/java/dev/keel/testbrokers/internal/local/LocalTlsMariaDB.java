package dev.keel.testbrokers.internal.local;

import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.internal.HarnessRuntime;
import dev.keel.testbrokers.internal.Poll;
import dev.keel.testbrokers.internal.Ports;
import dev.keel.testbrokers.internal.process.ManagedProcess;
import dev.keel.testbrokers.internal.process.ProcessSpec;
import dev.keel.testbrokers.internal.process.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A private MariaDB server of this test JVM, never the machine's service: {@code mariadb-install-db} and
 * {@code mariadbd} of the installed MariaDB, each with {@code --no-defaults} (no option file of the machine's is
 * read), a data directory, socket and pid file of its own, on 127.0.0.1 and a free port, with the run's certificates
 * and {@code require_secure_transport=ON}: TCP clients must use TLS. The grant tables are on; {@code root} logs in over
 * the socket only ({@code unix_socket}, as the JVM's user), and TCP clients are matched by address only
 * ({@code skip_name_resolve}: no TCP client is {@code root@localhost}). Users that tests create say what they require
 * ({@code REQUIRE X509}: a client certificate the run's CA signed; {@code REQUIRE SSL}) and log in with a password.
 * As root, the server runs as root ({@code --user=root}): mariadbd refuses root otherwise, and unlike PostgreSQL allows
 * it when told, so nothing needs another user or a directory outside the run's. Small buffers, no binary log and no
 * flush at commit: it starts in about two seconds (mariadb-install-db, then the server).
 */
public final class LocalTlsMariaDB extends OneProcessBroker {
    public static final String HOST = "127.0.0.1";
    public static final String DATABASE = "keel";
    private static final String INSTALL_DB = "mariadb-install-db";
    private static final String SERVER = "mariadbd";
    private static final String CLIENT = "mariadb";
    /** A Unix socket's path has at most 107 bytes; past that mariadbd cannot listen on it. */
    private static final int MAX_SOCKET_PATH = 100;

    private final HarnessRuntime runtime;
    private final Path installDb;
    private final Path server;
    private final Path client;
    private final TestCertificates certificates;
    private final int port;
    private final boolean root;
    private final Path socketDir;

    private LocalTlsMariaDB(HarnessRuntime runtime, Path installDb, Path server, Path client,
                            TestCertificates certificates, Path dir, boolean root) {
        super(dir, Duration.ofSeconds(10));
        this.runtime = runtime;
        this.installDb = installDb;
        this.server = server;
        this.client = client;
        this.certificates = certificates;
        this.port = Ports.freePort();
        this.root = root;
        this.socketDir = socketDirectory(dir);
    }

    public static LocalTlsMariaDB start(HarnessRuntime runtime, TestCertificates certificates) {
        Path installDb = program(INSTALL_DB);
        Path server = program(SERVER);
        Path client = program(CLIENT);
        boolean root = "root".equals(System.getProperty("user.name"));
        LocalTlsMariaDB mariadb = new LocalTlsMariaDB(runtime, installDb, server, client, certificates,
                runtime.run().dir("mariadb-tls"), root);
        runtime.atShutdown(mariadb::stop);
        mariadb.init();
        mariadb.launchAndAwait();
        mariadb.execute(null, "CREATE DATABASE " + DATABASE);
        return mariadb;
    }

    public int port() {
        return port;
    }

    /**
     * Runs {@code sql} (one statement or several, each ended by {@code ;}) as {@code root} over the socket, in
     * {@code database} (null: none), read from the client's standard input (not its command line, which {@code ps}
     * shows: the tests' passwords are in it); returns the client's tab-separated output, without column names.
     */
    public String execute(String database, String sql) {
        List<String> command = new ArrayList<>(List.of(client.toString(), "--no-defaults", "--batch",
                "--skip-column-names", "--socket=" + socket(), "--user=root"));
        if (database != null) {
            command.add(database);
        }
        return run(command, sql);
    }

    private static Path program(String name) {
        return Executables.find(name).orElseThrow(() -> new IllegalStateException("MariaDB: " + name
                + " is not installed (not on the PATH): apt-get install mariadb-server mariadb-client"));
    }

    /**
     * The socket's directory: in the server's directory, or, when that path is too long for a Unix socket (a deep
     * checkout), a directory of its own under the system's temporary directory ({@code mktemp -d} makes one), deleted
     * on stop.
     */
    private static Path socketDirectory(Path dir) {
        if (dir.resolve("socket").resolve("mariadbd.sock").toAbsolutePath().toString().length() <= MAX_SOCKET_PATH) {
            return dir.resolve("socket");
        }
        try {
            return Files.createTempDirectory("keel-mariadb-tls-");
        } catch (IOException e) {
            throw new IllegalStateException("MariaDB: cannot make a directory for its socket under "
                    + System.getProperty("java.io.tmpdir") + ": " + e, e);
        }
    }

    private Path data() {
        return dir().resolve("data");
    }

    private Path socket() {
        return socketDir.resolve("mariadbd.sock");
    }

    private void init() {
        try {
            Files.createDirectories(socketDir);
            Files.createDirectories(dir().resolve("tmp"));
            Files.createDirectories(data());
        } catch (IOException e) {
            throw new IllegalStateException("MariaDB: cannot prepare " + dir() + ": " + e, e);
        }
        List<String> command = new ArrayList<>(List.of(installDb.toString(), "--no-defaults",
                "--datadir=" + data(), "--auth-root-authentication-method=socket",
                "--auth-root-socket-user=" + System.getProperty("user.name"), "--skip-test-db",
                "--skip-name-resolve"));
        if (root) {
            command.add("--user=root");
        }
        run(command, null);
    }

    @Override
    void launchAndAwait() {
        List<String> command = new ArrayList<>(List.of(server.toString(), "--no-defaults",
                "--datadir=" + data(), "--socket=" + socket(), "--pid-file=" + pidFile(),
                "--tmpdir=" + dir().resolve("tmp"), "--port=" + port, "--bind-address=" + HOST,
                "--skip-name-resolve", "--require-secure-transport=ON",
                "--ssl-cert=" + certificates.serverCertificate().toAbsolutePath(),
                "--ssl-key=" + certificates.serverKey().toAbsolutePath(),
                "--ssl-ca=" + certificates.caCertificate().toAbsolutePath(),
                "--skip-log-bin", "--performance-schema=OFF", "--max-connections=50",
                "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", "--innodb-log-buffer-size=2M",
                "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--sync-frm=0"));
        if (root) {
            command.add("--user=root");
        }
        ManagedProcess started;
        try {
            started = runtime.launcher().launch(ProcessSpec.broker("mariadb-tls", command, dir(), Map.of(),
                    dir().resolve("mariadbd.log")));
        } catch (IOException e) {
            throw new IllegalStateException("MariaDB: cannot start " + server, e);
        }
        running(started);
        try {
            Poll.until("MariaDB at " + HOST + ":" + port, runtime.settings().startTimeout(), started.onExit(), () -> {
                try {
                    execute(null, "SELECT 1");
                    return Optional.of(true);
                } catch (IllegalStateException notYet) {
                    return Optional.empty();
                }
            });
        } catch (Poll.PollFailedException e) {
            started.killNow();
            throw new IllegalStateException("MariaDB: " + e.getMessage() + started.tailMessage(), e);
        }
    }

    /** Kills the server and deletes its data, temporary files, socket and pid file; its log stays. */
    @Override
    public void stop() {
        super.stop();
        RunDirectory.deleteTree(dir().resolve("tmp"));
        RunDirectory.deleteTree(socketDir);
        RunDirectory.deleteTree(pidFile());
    }

    private Path pidFile() {
        return dir().resolve("mariadbd.pid");
    }

    private String run(List<String> command, String input) {
        return ProgramRun.run(Path.of(command.get(0)).getFileName().toString(), dir(), command, input);
    }
}
