package dev.keel.testbrokers;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * JUnit 5 extension that injects broker endpoints into test constructors, lifecycle and test
 * methods: {@link KafkaEndpoint}, {@link RabbitEndpoint}, {@link RocketEndpoint},
 * {@link RedisEndpoint}, {@link ArtemisEndpoint}, {@link ActiveMQEndpoint}. Before a class's tests it starts, in parallel,
 * every broker the class asks for (by parameter type or {@link UsesBrokers}). Brokers are shared by
 * all classes of the JVM.
 * <pre>{@code
 * @ExtendWith(RealBrokers.class)
 * class KafkaPublisherTest {
 *     @Test
 *     void publishes(KafkaEndpoint kafka) { ... kafka.bootstrapServers() ... }
 * }
 * }</pre>
 */
public final class RealBrokers implements ParameterResolver, BeforeAllCallback {
    private static final Map<Class<?>, BrokerKind> KINDS = Map.of(
            KafkaEndpoint.class, BrokerKind.KAFKA,
            RabbitEndpoint.class, BrokerKind.RABBIT,
            RocketEndpoint.class, BrokerKind.ROCKET,
            RedisEndpoint.class, BrokerKind.REDIS,
            ArtemisEndpoint.class, BrokerKind.ARTEMIS,
            ActiveMQEndpoint.class, BrokerKind.ACTIVEMQ);

    @Override
    public void beforeAll(ExtensionContext context) {
        Set<BrokerKind> kinds = EnumSet.noneOf(BrokerKind.class);
        for (Class<?> type = context.getRequiredTestClass(); type != null && type != Object.class; type = type.getSuperclass()) {
            UsesBrokers uses = type.getAnnotation(UsesBrokers.class);
            if (uses != null) {
                kinds.addAll(java.util.List.of(uses.value()));
            }
            for (Method method : type.getDeclaredMethods()) {
                addParameterKinds(method, kinds);
            }
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                addParameterKinds(constructor, kinds);
            }
        }
        if (!kinds.isEmpty()) {
            Brokers.start(kinds.toArray(new BrokerKind[0]));
        }
    }

    private static void addParameterKinds(Executable executable, Set<BrokerKind> kinds) {
        for (Parameter parameter : executable.getParameters()) {
            BrokerKind kind = KINDS.get(parameter.getType());
            if (kind != null) {
                kinds.add(kind);
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return KINDS.containsKey(parameterContext.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        BrokerKind kind = KINDS.get(parameterContext.getParameter().getType());
        try {
            return Brokers.get(kind);
        } catch (BrokerStartException e) {
            throw new ParameterResolutionException(e.getMessage(), e);
        }
    }
}
