package dev.keel.spring.boot.autoconfigure;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.MessageHandler;
import dev.keel.spring.KeelListener;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@link KeelListener} methods on every bean, also behind AOP proxies (the annotation is
 * looked up on the proxied class; the method is called through the proxy, so advice applies).
 * Found methods are turned into {@link AnnotatedListener}s when the registry starts, once every
 * bean (a codec bean included) exists.
 */
final class KeelListenerAnnotationBeanPostProcessor implements BeanPostProcessor, BeanFactoryAware {

    private static final String JSON_CODEC = "dev.keel.jackson.JsonCodec";

    private record Found(Object bean, String beanName, Method method, Method invocable, KeelListener annotation) {
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
        methods.forEach((method, annotation) -> {
            if (method.getParameterCount() != 1 && InboxListeners.connectionIndex(method) < 0) {
                throw new IllegalStateException("@KeelListener method " + describe(beanName, method) + " must take "
                        + "one parameter, a Delivery<T> or the payload T (plus a java.sql.Connection for the JDBC "
                        + "inbox's transaction); it takes " + method.getParameterCount());
            }
            Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
            ReflectionUtils.makeAccessible(invocable);
            found.add(new Found(bean, beanName, method, invocable, annotation));
        });
        return bean;
    }

    /** The listeners found so far, with placeholders, payload types and codecs resolved. */
    List<AnnotatedListener> listeners() {
        List<AnnotatedListener> listeners = new ArrayList<>(found.size());
        for (Found f : found) {
            KeelListener a = f.annotation();
            String source = describe(f.beanName(), f.method());
            String topic = resolve(a.topic());
            String group = resolve(a.group());
            String id = a.id().isEmpty() ? group + "-" + topic : resolve(a.id());
            int connectionIndex = InboxListeners.connectionIndex(f.method());
            ResolvableType parameter = ResolvableType.forMethodParameter(f.method(), connectionIndex == 0 ? 1 : 0);
            boolean wantsDelivery = Delivery.class.equals(parameter.resolve());
            ResolvableType payload = wantsDelivery ? parameter.getGeneric(0) : parameter;
            if (payload.resolve() == null) {
                throw new IllegalStateException("@KeelListener method " + source + " takes a Delivery without a "
                        + "concrete payload type: declare Delivery<T> with T a class, e.g. Delivery<String>");
            }
            Codec<Object> codec = codec(source, payload, resolve(a.codec()));
            MessageHandler<Object> handler = InboxListeners.wantsInbox(f.method(), connectionIndex, beanFactory)
                    ? InboxListeners.handler(source, f.bean(), f.invocable(), wantsDelivery, connectionIndex, beanFactory)
                    : new MethodHandler(f.bean(), f.invocable(), wantsDelivery);
            listeners.add(new AnnotatedListener(source, id, topic, group, resolve(a.guarantee()),
                    resolve(a.ordering()), a.lanes(), a.maxInFlight(), codec, handler));
        }
        return listeners;
    }

    @SuppressWarnings("unchecked")
    private Codec<Object> codec(String source, ResolvableType payload, String beanName) {
        if (!beanName.isEmpty()) {
            return beanFactory.getBean(beanName, Codec.class);
        }
        String[] candidates = beanFactory.getBeanNamesForType(ResolvableType.forClassWithGenerics(Codec.class, payload));
        if (candidates.length == 1) {
            return beanFactory.getBean(candidates[0], Codec.class);
        }
        if (candidates.length > 1) {
            throw new IllegalStateException("@KeelListener method " + source + ": several Codec<" + payload
                    + "> beans (" + String.join(", ", candidates) + "); name one with @KeelListener(codec = \"...\")");
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
        throw new IllegalStateException("@KeelListener method " + source + " takes " + type.getName()
                + ", which needs a codec: add module sdk-jackson (JSON), or define a Codec<" + type.getSimpleName()
                + "> bean");
    }

    private String resolve(String value) {
        return value.isEmpty() ? value : beanFactory.resolveEmbeddedValue(value);
    }

    private static String describe(String beanName, Method method) {
        return beanName + "." + method.getName();
    }
}
