package dev.keel.cli.outbox;

import picocli.CommandLine.Option;

/** The database flags of {@code verify --outbox} and {@code bench --only outbox}. */
public final class DatabaseOptions {

    @Option(names = "--outbox", paramLabel = "JDBC_URL",
            description = "The database of the transactional outbox and JDBC inbox (jdbc:postgresql://127.0.0.1:5432/"
                    + "test, jdbc:mariadb://127.0.0.1:3306/test): verify checks them instead of the Redis path, bench "
                    + "adds its outbox section. Tables are created under a random prefix and dropped afterwards.")
    private String url;

    @Option(names = "--db-user", paramLabel = "USER",
            description = "Database user (--outbox). Default: postgres on PostgreSQL, root on MariaDB/MySQL.")
    private String user;

    @Option(names = "--db-password-env", paramLabel = "VAR",
            description = "Name of the environment variable holding the database password (--outbox). Default: none.")
    private String passwordEnv;

    /** The JDBC URL, or {@code null} when {@code --outbox} was not given. */
    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    /** The password from the named environment variable, or empty. */
    public String password() {
        String value = passwordEnv == null ? null : System.getenv(passwordEnv);
        return value == null ? "" : value;
    }
}
