package dev.keel.cli.outbox;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A fixed-size pool of connections for the bench, so that a store or handler taking a connection
 * per call measures its round trips, not connection set-up (what an application's pool spares it).
 * Closing a borrowed connection returns it, rolled back and in auto-commit.
 */
final class ConnectionPool implements DataSource, AutoCloseable {

    private final DataSource source;
    private final int size;
    private final BlockingQueue<Connection> idle = new LinkedBlockingQueue<>();
    private final List<Connection> opened = new CopyOnWriteArrayList<>();

    ConnectionPool(DataSource source, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a pool needs at least 1 connection, was " + size);
        }
        this.source = source;
        this.size = size;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection real = idle.poll();
        if (real == null) {
            synchronized (this) {
                if (opened.size() < size) {
                    real = source.getConnection();
                    opened.add(real);
                }
            }
        }
        if (real == null) {
            try {
                real = idle.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for a pooled connection", e);
            }
        }
        return borrowed(real);
    }

    private Connection borrowed(Connection real) {
        boolean[] returned = {false};
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        if (!returned[0]) {
                            returned[0] = true;
                            giveBack(real);
                        }
                        return null;
                    }
                    if (method.getName().equals("isClosed")) {
                        return returned[0] || real.isClosed();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private void giveBack(Connection real) throws SQLException {
        if (!real.getAutoCommit()) {
            real.rollback();
            real.setAutoCommit(true);
        }
        idle.add(real);
    }

    @Override
    public void close() {
        for (Connection c : opened) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the bench is over; the server drops the session anyway
            }
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the bench pool has one user");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return false;
    }
}
