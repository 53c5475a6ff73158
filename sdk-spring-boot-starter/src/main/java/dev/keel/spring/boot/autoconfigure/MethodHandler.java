package dev.keel.spring.boot.autoconfigure;

import dev.keel.Delivery;
import dev.keel.MessageHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Calls a {@code @KeelListener} method with what its parameters ask for ({@link ListenerParameters}). What the method throws
 * reaches Keel's retry rules unwrapped, so {@code abortOn}/{@code retryOn} match the real exception.
 */
final class MethodHandler implements MessageHandler<Object> {

    private final Object bean;
    private final Method method;
    private final ListenerParameters parameters;

    MethodHandler(Object bean, Method method, ListenerParameters parameters) {
        this.bean = bean;
        this.method = method;
        this.parameters = parameters;
    }

    @Override
    public void handle(Delivery<Object> delivery) throws Exception {
        call(bean, method, parameters.arguments(delivery, null));
    }

    /** Calls {@code method} on {@code bean}; what it throws is thrown unwrapped. */
    static void call(Object bean, Method method, Object... args) throws Exception {
        try {
            method.invoke(bean, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName();
    }
}
