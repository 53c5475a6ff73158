package dev.keel.spring.boot.autoconfigure;

import dev.keel.MessageHandler;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.spring.ListenerDefinitionException;
import java.lang.reflect.Method;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

/**
 * Which {@code @KeelListener} methods run in the JDBC inbox's transaction, and their handlers: a
 * method that takes a {@link java.sql.Connection} (it must have the JDBC inbox), and a {@code @Transactional}
 * method (or one of a {@code @Transactional} class) when the idempotency store is the JDBC inbox. The
 * JDBC classes are touched only in those cases, so the starter works without sdk-outbox-jdbc.
 */
final class InboxListeners {

    private static final String JDBC_STORE = "dev.keel.dedup.jdbc.JdbcIdempotencyStore";
    private static final String SPRING_JDBC = "org.springframework.jdbc.datasource.DataSourceUtils";
    private static final String TRANSACTIONAL = "org.springframework.transaction.annotation.Transactional";

    private InboxListeners() {
    }

    static boolean wantsInbox(Method method, ListenerParameters parameters,
                              ConfigurableListableBeanFactory beanFactory) {
        if (parameters.takesConnection()) {
            return true;
        }
        boolean transactional = AnnotatedElementUtils.isAnnotated(method, TRANSACTIONAL)
                || AnnotatedElementUtils.isAnnotated(method.getDeclaringClass(), TRANSACTIONAL);
        return transactional && jdbcStore(beanFactory) != null;
    }

    static MessageHandler<Object> handler(String source, Object bean, Method invocable, ListenerParameters parameters,
                                          ConfigurableListableBeanFactory beanFactory) {
        Object store = jdbcStore(beanFactory);
        if (store == null) {
            throw new ListenerDefinitionException("@KeelListener method " + source, "it takes a java.sql.Connection, "
                    + "the transaction of the JDBC inbox, but the idempotency store is not the JDBC inbox", "Set "
                    + "keel.idempotency.store=jdbc (module sdk-outbox-jdbc and spring-jdbc, with one DataSource), "
                    + "or remove the Connection parameter");
        }
        DataSource dataSource = beanFactory.getBeanProvider(DataSource.class).getIfUnique();
        if (dataSource == null) {
            throw new ListenerDefinitionException("@KeelListener method " + source, "it runs in the JDBC inbox's "
                    + "transaction, which needs exactly one DataSource bean (the inbox's)", "Define exactly one "
                    + "DataSource bean");
        }
        return new InboxMethodHandler(bean, invocable, parameters, (dev.keel.dedup.jdbc.JdbcIdempotencyStore) store,
                dataSource);
    }

    /** The JDBC inbox if it is the idempotency store (and spring-jdbc is present), else null. */
    private static Object jdbcStore(ConfigurableListableBeanFactory beanFactory) {
        ClassLoader loader = beanFactory.getBeanClassLoader();
        if (!ClassUtils.isPresent(JDBC_STORE, loader) || !ClassUtils.isPresent(SPRING_JDBC, loader)) {
            return null;
        }
        IdempotencyStore store = beanFactory.getBeanProvider(IdempotencyStore.class).getIfUnique();
        return store != null && ClassUtils.resolveClassName(JDBC_STORE, loader).isInstance(store) ? store : null;
    }
}
