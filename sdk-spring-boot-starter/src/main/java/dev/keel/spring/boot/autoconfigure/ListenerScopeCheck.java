package dev.keel.spring.boot.autoconfigure;

import dev.keel.spring.KeelListener;
import dev.keel.spring.ListenerDefinitionException;
import java.lang.reflect.Method;
import java.util.Map;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

/**
 * Refuses a {@link KeelListener} method on a bean that is not a singleton (prototype, request, session or a custom
 * scope), from the bean definitions, before any bean is created. The registry subscribes each listener once, when
 * the application starts; a bean created per use would be no listener when nobody uses it, and several listeners
 * with one id when two beans use it.
 */
final class ListenerScopeCheck implements BeanFactoryPostProcessor {

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
        for (String name : beanFactory.getBeanDefinitionNames()) {
            BeanDefinition definition = beanFactory.getMergedBeanDefinition(name);
            if (definition.isSingleton() || definition.isAbstract()) {
                continue;
            }
            Class<?> type;
            try {
                type = beanFactory.getType(name, false);
            } catch (BeansException undeterminable) {
                continue; // the post-processor checks the bean once it exists
            }
            if (type != null) {
                firstListenerMethod(type).ifPresent(method -> {
                    throw refusal(name, method, definition.getScope());
                });
            }
        }
    }

    /** The first {@link KeelListener} method of {@code type} (a proxy's user class), if any. */
    static java.util.Optional<Method> firstListenerMethod(Class<?> type) {
        Map<Method, KeelListener> methods = MethodIntrospector.selectMethods(ClassUtils.getUserClass(type),
                (MethodIntrospector.MetadataLookup<KeelListener>) m ->
                        AnnotatedElementUtils.findMergedAnnotation(m, KeelListener.class));
        return methods.keySet().stream().findFirst();
    }

    /** Bean {@code beanName}, of scope {@code scope}, declares listener method {@code method}. */
    static ListenerDefinitionException refusal(String beanName, Method method, String scope) {
        String shown = scope == null || scope.isEmpty() ? "prototype" : scope;
        return new ListenerDefinitionException("@KeelListener method " + beanName + "." + method.getName(),
                "it is declared on bean '" + beanName + "' of scope '" + shown + "', and a listener must be a "
                        + "singleton: the registry subscribes each listener once, at startup, so a bean created per "
                        + "use would be no listener when none is created and duplicate listeners when several are",
                "Make bean '" + beanName + "' a singleton (remove its @Scope(\"" + shown + "\")), or move the "
                        + "@KeelListener method to a singleton bean that calls the " + shown + " bean");
    }
}
