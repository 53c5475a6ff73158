package dev.keel.outbox.jdbc.internal;

import java.sql.SQLException;
import java.util.Set;

/**
 * Tells a database's refusal (it answered: wrong credentials, a missing privilege), which waiting does not
 * cure, from an outage: SQLState class 28 (invalid authorization), 42501 (insufficient privilege, PostgreSQL),
 * and the MariaDB/MySQL error codes for denied access (1044, 1045, 1142, 1143, 1227, 1370, 1698), a locked
 * account (3118, 4151) and an expired password (1820, 1862).
 */
public final class DatabaseRefusals {

    /** What the database refused. */
    public enum Kind {
        /** The login: the user, its password, or the account. */
        CREDENTIALS,
        /** A statement: the user lacks a privilege. */
        PRIVILEGE
    }

    /** MariaDB's and MySQL's "Access denied for user ... (using password: ...)" at login. */
    private static final int ACCESS_DENIED = 1045;
    private static final Set<Integer> MARIADB_CREDENTIALS = Set.of(ACCESS_DENIED, 1698, 1820, 1862, 3118, 4151);
    private static final Set<Integer> MARIADB_PRIVILEGE = Set.of(1044, 1142, 1143, 1227, 1370);

    private DatabaseRefusals() {
    }

    /** What {@code e} (or an SQLException in its causes) refused, or null when it is no refusal. */
    public static Kind of(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                Kind kind = ofOne(sql);
                if (kind != null) {
                    return kind;
                }
            }
        }
        return null;
    }

    /**
     * Whether {@code e} (or an SQLException in its causes) is MariaDB's or MySQL's "Access denied for user" at login
     * (error code 1045): their answer to a wrong password, and as well to a user created {@code REQUIRE X509} (or
     * {@code ISSUER}, {@code SUBJECT}) that presented no client certificate, or not the one required. The server does
     * not say which, so a refusal must name both.
     */
    public static boolean mayBeMissingClientCertificate(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() == ACCESS_DENIED) {
                return true;
            }
        }
        return false;
    }

    private static Kind ofOne(SQLException sql) {
        String state = sql.getSQLState() == null ? "" : sql.getSQLState();
        int code = sql.getErrorCode();
        if (state.startsWith("28") || MARIADB_CREDENTIALS.contains(code)) {
            return Kind.CREDENTIALS;
        }
        if ("42501".equals(state) || MARIADB_PRIVILEGE.contains(code)) {
            return Kind.PRIVILEGE;
        }
        return null;
    }
}
