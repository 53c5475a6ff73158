package dev.keel.outbox.jdbc.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A pool of one real connection that, as DBCP2, Tomcat JDBC and c3p0 do, resets nothing when a connection is given
 * back: each {@link #getConnection()} hands out the same physical connection, whose {@code close()} returns it to the
 * pool instead of closing it. Not thread-safe: for one borrower at a time.
 */
public final class OneConnectionPool implements ConnectionSource, AutoCloseable {

    private final Connection physical;

    public OneConnectionPool(DataSource dataSource) throws SQLException {
        this.physical = dataSource.getConnection();
    }

    /** The connection every borrower gets, as the application would get it next. */
    public Connection physical() {
        return physical;
    }

    @Override
    public Connection getConnection() {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "close":
                            return null; // back to the pool, as it is
                        case "isClosed":
                            return physical.isClosed();
                        default:
                            try {
                                return method.invoke(physical, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) {
        return getConnection();
    }

    @Override
    public void close() throws SQLException {
        physical.close();
    }
}
