package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.testing.ConnectionSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * A test data source over a real one that runs a hook once, on the calling thread, just before a
 * statement whose SQL matches is prepared: a way to put another session's work (a purge) between two
 * statements of one transaction, deterministically.
 */
final class StatementHookDataSource implements ConnectionSource {

    private record Hook(Predicate<String> sql, Runnable action) {
    }

    private final DataSource delegate;
    private final AtomicReference<Hook> armed = new AtomicReference<>();

    StatementHookDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    /** Runs {@code action} once, before the next statement whose SQL {@code sql} accepts is prepared. */
    void beforeNext(Predicate<String> sql, Runnable action) {
        armed.set(new Hook(sql, action));
    }

    /** Whether the armed hook has run (or none was armed). */
    boolean hookRan() {
        return armed.get() == null;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return hooked(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return hooked(delegate.getConnection(username, password));
    }

    private Connection hooked(Connection connection) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("prepareStatement") && args != null && args[0] instanceof String sql) {
                        Hook hook = armed.get();
                        if (hook != null && hook.sql().test(sql) && armed.compareAndSet(hook, null)) {
                            hook.action().run();
                        }
                    }
                    try {
                        return method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
