package dev.keel.spring.boot.autoconfigure;

import dev.keel.KeelException;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.context.ApplicationContextException;

/**
 * A Keel bean that cannot be created or started because of its settings (a missing broker address or idempotency
 * store, a {@code keel.*} value a config refuses, {@code keel.listener.defaults.topic}) fails the startup with Spring
 * Boot's report: the refusal's message, which names the property, and what to do; not a stack trace under "Error
 * creating bean with name 'keelKafkaAdapter'". Failures that are a {@link KeelException} are
 * {@link KeelFailureAnalyzer}'s. Registered in {@code META-INF/spring.factories}.
 */
public final class KeelConfigurationFailureAnalyzer implements FailureAnalyzer {

    static final String ACTION = "Set or correct the keel.* property the description names (docs/spring-boot.md "
            + "lists them all), or define the bean yourself to replace Keel's.";
    private static final String KEEL_BEAN = "keel";

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        String bean = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KeelException) {
                return null;
            }
            if (bean == null) {
                bean = keelBean(t);
            } else if (t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
                return new FailureAnalysis("Keel could not start (bean '" + bean + "'): " + t.getMessage(), ACTION,
                        failure);
            }
        }
        return null;
    }

    /** The name of the Keel bean that {@code t} failed to create or start, or null. */
    private static String keelBean(Throwable t) {
        if (t instanceof BeanCreationException creation && creation.getBeanName() != null
                && creation.getBeanName().startsWith(KEEL_BEAN)) {
            return creation.getBeanName();
        }
        String message = String.valueOf(t.getMessage());
        if (t instanceof ApplicationContextException && message.startsWith("Failed to start bean '" + KEEL_BEAN)) {
            return message.substring("Failed to start bean '".length(), message.indexOf('\'', 22));
        }
        return null;
    }
}
