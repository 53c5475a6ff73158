package dev.keel.spring.boot.autoconfigure;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.ordering.Ordering;
import dev.keel.spring.KeelListener;
import dev.keel.spring.ListenerDefinitionException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.unit.DataSize;

/**
 * Finds {@link KeelListener} methods on every bean, also behind AOP proxies (the annotation is
 * looked up on the proxied class; the method is called through the proxy, so advice applies).
 * Found methods are turned into {@link AnnotatedListener}s when the registry starts, once every
 * bean (a codec bean included) exists.
 */
final class KeelListenerAnnotationBeanPostProcessor implements BeanPostProcessor, BeanFactoryAware {

    private static final String JSON_CODEC = "dev.keel.jackson.JsonCodec";

    private record Found(Object bean, String beanName, Method method, Method invocable, KeelListener annotation,
                         ListenerParameters parameters) {
    }

    private final List<Found> found = new CopyOnWriteArrayList<>();
    private ConfigurableListableBeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> target = AopProxyUtils.ultimateTargetClass(bean);
        Map<Method, KeelListener> methods = MethodIntrospector.selectMethods(target,
                (MethodIntrospector.MetadataLookup<KeelListener>) m ->
                        AnnotatedElementUtils.findMergedAnnotation(m, KeelListener.class));
        if (!methods.isEmpty() && beanFactory.containsBeanDefinition(beanName)) {
            BeanDefinition definition = beanFactory.getMergedBeanDefinition(beanName);
            if (!definition.isSingleton()) { // one whose type its definition did not tell (ListenerScopeCheck)
                throw ListenerScopeCheck.refusal(beanName, methods.keySet().iterator().next(), definition.getScope());
            }
        }
        methods.forEach((method, annotation) -> {
            String source = describe(beanName, method);
            ListenerParameters parameters = ListenerParameters.of(source, method);
            checkAttributes(source, annotation);
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            ReflectionUtils.makeAccessible(invocable);
            found.add(new Found(bean, beanName, method, invocable, annotation, parameters));
        });
        return bean;
    }

    /** The attributes that need no placeholder resolved: checked as soon as the bean exists. */
    private static void checkAttributes(String source, KeelListener a) {
        String where = "@KeelListener method " + source;
        if (a.guarantee().length > 1) {
            throw new ListenerDefinitionException(where, "it names " + a.guarantee().length + " guarantees "
                    + Arrays.toString(a.guarantee()), "Name one: guarantee = DeliveryGuarantee.AT_LEAST_ONCE (one of "
                    + Arrays.toString(DeliveryGuarantee.values()) + "), or none for the defaults'");
        }
        if (a.ordering().length > 1) {
            throw new ListenerDefinitionException(where, "it names " + a.ordering().length + " orderings "
                    + Arrays.toString(a.ordering()), "Name one: ordering = Ordering.UNORDERED (one of "
                    + Arrays.toString(Ordering.values()) + "), or none for the defaults'");
        }
        if (a.lanes() < 0) {
            throw new ListenerDefinitionException(where, "lanes = " + a.lanes() + " is below 0", "Set lanes to 1 or "
                    + "more, or leave it out (0) for keel.listener.defaults.lanes");
        }
        if (a.maxInFlight() < 0) {
            throw new ListenerDefinitionException(where, "maxInFlight = " + a.maxInFlight() + " is below 0",
                    "Set maxInFlight to 1 or more, or leave it out (0) for keel.listener.defaults.max-in-flight");
        }
    }

    /** The listeners found so far, with placeholders, payload types and codecs resolved. */
    List<AnnotatedListener> listeners() {
        List<AnnotatedListener> listeners = new ArrayList<>(found.size());
        for (Found f : found) {
            KeelListener a = f.annotation();
            String source = describe(f.beanName(), f.method());
            String where = "@KeelListener method " + source;
            String topic = required(where, "topic", a.topic());
            String group = required(where, "group", a.group());
            String id = a.id().isEmpty() ? group + "-" + topic : required(where, "id", a.id());
            Boolean autoStartup = autoStartup(where, resolve(where, "autoStartup", a.autoStartup()));
            ResolvableType payload = f.parameters().payloadType();
            Codec<Object> codec = codec(where, payload, resolve(where, "codec", a.codec()));
            MessageHandler<Object> handler = InboxListeners.wantsInbox(f.method(), f.parameters(), beanFactory)
                    ? InboxListeners.handler(source, f.bean(), f.invocable(), f.parameters(), beanFactory)
                    : new MethodHandler(f.bean(), f.invocable(), f.parameters());
            listeners.add(new AnnotatedListener(source, id, topic, group,
                    a.guarantee().length == 0 ? null : a.guarantee()[0], a.ordering().length == 0 ? null : a.ordering()[0],
                    a.lanes(), a.maxInFlight(), maxInFlightBytes(where, a.maxInFlightBytes()), autoStartup, codec,
                    handler));
        }
        return listeners;
    }

    /** The annotation's byte bound, its placeholder resolved: 0 when it sets none. */
    private long maxInFlightBytes(String where, String value) {
        String resolved = resolve(where, "maxInFlightBytes", value);
        if (resolved == null || resolved.isBlank()) {
            return 0;
        }
        String fix = "Set maxInFlightBytes to a size of 1 byte or more (\"8MB\", \"512KB\"), or leave it out for "
                + "keel.listener.defaults.max-in-flight-bytes";
        long bytes;
        try {
            bytes = DataSize.parse(resolved.trim()).toBytes();
        } catch (IllegalArgumentException | IllegalStateException notASize) { // Spring's DataSize throws either
            throw new ListenerDefinitionException(where, named(value, resolved) + " is not a size", fix);
        }
        if (bytes < 1) {
            throw new ListenerDefinitionException(where, named(value, resolved) + " is below 1 byte", fix);
        }
        return bytes;
    }

    /** {@code maxInFlightBytes = "<value>"}, with what its placeholder resolved to when it had one. */
    private static String named(String value, String resolved) {
        return "maxInFlightBytes = \"" + value + "\"" + (value.equals(resolved) ? "" : " (\"" + resolved + "\")");
    }

    private String required(String where, String attribute, String value) {
        String resolved = resolve(where, attribute, value);
        if (resolved == null || resolved.isBlank()) {
            throw new ListenerDefinitionException(where, attribute + " = \"" + value + "\" is empty",
                    "Set @KeelListener(" + attribute + " = \"...\") to a non-empty value, or define the property its "
                            + "placeholder names");
        }
        return resolved;
    }

    private static Boolean autoStartup(String where, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new ListenerDefinitionException(where, "autoStartup = \"" + value + "\" is neither true "
                    + "nor false", "Set autoStartup to \"true\" or \"false\" (or a placeholder resolving to one), or "
                    + "leave it out for keel.listener.defaults.auto-startup");
        };
    }

    @SuppressWarnings("unchecked")
    private Codec<Object> codec(String where, ResolvableType payload, String beanName) {
        if (!beanName.isEmpty()) {
            if (!beanFactory.containsBean(beanName) || !beanFactory.isTypeMatch(beanName, Codec.class)) {
                throw new ListenerDefinitionException(where, "codec = \"" + beanName + "\" names no Codec bean",
                        "Define a Codec bean of that name, or name an existing one ("
                                + String.join(", ", beanFactory.getBeanNamesForType(Codec.class)) + ")");
            }
            return beanFactory.getBean(beanName, Codec.class);
        }
        String[] candidates = beanFactory.getBeanNamesForType(ResolvableType.forClassWithGenerics(Codec.class, payload));
        if (candidates.length == 1) {
            return beanFactory.getBean(candidates[0], Codec.class);
        }
        if (candidates.length > 1) {
            throw new ListenerDefinitionException(where, "there are several Codec<" + payload + "> beans ("
                    + String.join(", ", candidates) + ")", "Name one with @KeelListener(codec = \"...\")");
        }
        Class<?> type = payload.resolve();
        if (type == String.class) {
            return (Codec<Object>) (Codec<?>) Codec.utf8();
        }
        if (type == byte[].class) {
            return (Codec<Object>) (Codec<?>) Codec.bytes();
        }
        if (ClassUtils.isPresent(JSON_CODEC, beanFactory.getBeanClassLoader())) {
            return (Codec<Object>) JsonCodecs.of(type);
        }
        throw new ListenerDefinitionException(where, "it takes " + type.getName() + ", which needs a codec",
                "Add module sdk-jackson (JSON), or define a Codec<" + type.getSimpleName() + "> bean");
    }

    /**
     * {@code value} with its {@code ${...}} placeholders resolved; a placeholder no property resolves (and that has no
     * default) fails the startup naming the listener and the attribute, not only the property.
     */
    private String resolve(String where, String attribute, String value) {
        if (value.isEmpty()) {
            return value;
        }
        try {
            return beanFactory.resolveEmbeddedValue(value);
        } catch (IllegalArgumentException unresolvable) { // Spring's PlaceholderResolutionException
            throw new ListenerDefinitionException(where, attribute + " = \"" + value + "\" cannot be resolved ("
                    + unresolvable.getMessage() + ")", "Define the property its placeholder names, or give the "
                    + "placeholder a default: ${name:default}");
        }
    }

    private static String describe(String beanName, Method method) {
        return beanName + "." + method.getName();
    }
}
