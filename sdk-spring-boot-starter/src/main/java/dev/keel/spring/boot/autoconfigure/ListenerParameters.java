package dev.keel.spring.boot.autoconfigure;

import dev.keel.Delivery;
import dev.keel.NonRetriableException;
import dev.keel.spring.KeelListenerHeaders;
import dev.keel.spring.ListenerDefinitionException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedMethod;
import org.springframework.core.convert.ConversionException;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;
import org.springframework.core.convert.support.DefaultConversionService;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.messaging.handler.annotation.ValueConstants;

/**
 * What each parameter of a {@code @KeelListener} method receives, decided once when the method is found: the
 * {@link Delivery}, the payload ({@code @Payload}, or the one parameter without an annotation that is neither a
 * {@code Delivery} nor a {@link Connection}), a header ({@code @Header}, converted to the parameter's type), all
 * headers ({@code @Headers} on a {@code Map}), or the JDBC inbox's {@code Connection}. A method Keel cannot fill
 * is a {@link ListenerDefinitionException} at startup; a message without a required header, or with one that does
 * not convert, fails with a {@link NonRetriableException}, so it goes to the dead letters at once.
 */
final class ListenerParameters {

    private static final String ALLOWED = "A @KeelListener method takes the payload (a parameter without annotation, "
            + "or @Payload) or a Delivery<T> (or both), and any number of @Header parameters, a @Headers Map and, for "
            + "the JDBC inbox, a java.sql.Connection";

    private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

    /** Fills one parameter from the delivery (and the inbox's connection, or null). */
    @FunctionalInterface
    private interface Argument {
        Object of(Delivery<Object> delivery, Connection connection);
    }

    private final String source;
    private final Argument[] arguments;
    private final ResolvableType payloadType;
    private final boolean takesConnection;

    private ListenerParameters(String source, Argument[] arguments, ResolvableType payloadType,
                               boolean takesConnection) {
        this.source = source;
        this.arguments = arguments;
        this.payloadType = payloadType;
        this.takesConnection = takesConnection;
    }

    /**
     * @param source how messages name the method ({@code billing.bill})
     * @throws ListenerDefinitionException when a parameter cannot be filled
     */
    static ListenerParameters of(String source, Method method) {
        String where = "@KeelListener method " + source;
        MethodParameter[] parameters = new AnnotatedMethod(method).getMethodParameters();
        for (MethodParameter parameter : parameters) {
            parameter.initParameterNameDiscovery(NAMES);
        }
        List<Argument> arguments = new ArrayList<>();
        ResolvableType payload = null;
        ResolvableType deliveryPayload = null;
        boolean connection = false;
        for (MethodParameter parameter : parameters) {
            Class<?> type = parameter.getParameterType();
            Header header = parameter.getParameterAnnotation(Header.class);
            Payload payloadAnnotation = parameter.getParameterAnnotation(Payload.class);
            if (header != null) {
                arguments.add(header(where, parameter, header));
            } else if (parameter.hasParameterAnnotation(Headers.class)) {
                if (!Map.class.isAssignableFrom(type)) {
                    throw new ListenerDefinitionException(where, "its @Headers parameter " + name(parameter)
                            + " is a " + type.getName() + ", not a Map", "Declare it as Map<String, String>");
                }
                arguments.add((d, c) -> allHeaders(d));
            } else if (type == Connection.class && payloadAnnotation == null) {
                if (connection) {
                    throw new ListenerDefinitionException(where, "it takes two java.sql.Connection parameters",
                            ALLOWED);
                }
                connection = true;
                arguments.add((d, c) -> c);
            } else if (type == Delivery.class && payloadAnnotation == null) {
                if (deliveryPayload != null) {
                    throw new ListenerDefinitionException(where, "it takes two Delivery parameters", ALLOWED);
                }
                deliveryPayload = ResolvableType.forMethodParameter(parameter).getGeneric(0);
                arguments.add((d, c) -> d);
            } else {
                if (payloadAnnotation != null && !payloadAnnotation.expression().isEmpty()) {
                    throw new ListenerDefinitionException(where, "its @Payload(\"" + payloadAnnotation.expression()
                            + "\") has an expression, which Keel does not evaluate", "Take the whole payload "
                            + "(@Payload without a value) and read the part you need in the method");
                }
                if (payload != null) {
                    throw new ListenerDefinitionException(where, "it takes two payload parameters (" + payload
                            + " and " + name(parameter) + "): a parameter without annotation or with @Payload is "
                            + "the payload", ALLOWED + "; mark header parameters with @Header(\"name\")");
                }
                payload = ResolvableType.forMethodParameter(parameter);
                arguments.add((d, c) -> d.payload());
            }
        }
        return new ListenerParameters(source, arguments.toArray(Argument[]::new),
                payloadType(where, payload, deliveryPayload), connection);
    }

    private static ResolvableType payloadType(String where, ResolvableType payload, ResolvableType deliveryPayload) {
        if (payload == null && deliveryPayload == null) {
            throw new ListenerDefinitionException(where, "it takes neither the payload nor a Delivery<T>", ALLOWED);
        }
        if (payload == null) {
            if (deliveryPayload.resolve() == null) {
                throw new ListenerDefinitionException(where, "it takes a Delivery without a concrete payload type",
                        "Declare Delivery<T> with T a class, e.g. Delivery<String>");
            }
            return deliveryPayload;
        }
        if (payload.resolve() == null) {
            throw new ListenerDefinitionException(where, "its payload parameter has no concrete type (" + payload + ")",
                    "Declare the payload's class, e.g. String or Order");
        }
        if (deliveryPayload != null && deliveryPayload.resolve() != null
                && deliveryPayload.resolve() != Object.class && !deliveryPayload.isAssignableFrom(payload)) {
            throw new ListenerDefinitionException(where, "its payload parameter is a " + payload + " but its "
                    + "Delivery carries a " + deliveryPayload, "Give both one payload type, or take Delivery<?>");
        }
        return payload;
    }

    private static Argument header(String where, MethodParameter parameter, Header header) {
        String name = !header.name().isEmpty() ? header.name() : header.value();
        if (name.isEmpty()) {
            throw new ListenerDefinitionException(where, "its @Header parameter " + name(parameter) + " names no "
                    + "header", "Name it: @Header(\"tenant\"), or @Header(KeelListenerHeaders.KEY) for the key");
        }
        String defaultValue = ValueConstants.DEFAULT_NONE.equals(header.defaultValue()) ? null : header.defaultValue();
        boolean required = header.required() && defaultValue == null;
        if (!required && defaultValue == null && parameter.getParameterType().isPrimitive()) {
            throw new ListenerDefinitionException(where, "its optional @Header(\"" + name + "\") is a "
                    + parameter.getParameterType() + ", which cannot be null when the header is missing",
                    "Declare it with the wrapper type (e.g. Integer), or give it a defaultValue");
        }
        TypeDescriptor target = new TypeDescriptor(parameter);
        ConversionService conversion = DefaultConversionService.getSharedInstance();
        String method = where.substring("@KeelListener method ".length());
        return (delivery, connection) -> {
            Object value = headerValue(delivery, name);
            if (value == null) {
                value = defaultValue;
            }
            if (value == null) {
                if (required) {
                    throw new NonRetriableException("message " + delivery.id() + " has no header '" + name + "', "
                            + "which @KeelListener method " + method + " requires (@Header(required = false) or a "
                            + "defaultValue makes it optional)");
                }
                return null;
            }
            try {
                return conversion.convert(value, TypeDescriptor.forObject(value), target);
            } catch (ConversionException e) {
                // the value is left out: a header may carry what must not reach logs or dead-letter headers
                throw new NonRetriableException("header '" + name + "' of message " + delivery.id() + " does not "
                        + "convert to " + target.getResolvableType() + ", the type of its parameter in @KeelListener method " + method, e);
            }
        };
    }

    /** A header's value: Keel's received metadata by their names, else the application's header, else Keel's. */
    private static Object headerValue(Delivery<Object> delivery, String name) {
        return switch (name) {
            case KeelListenerHeaders.ID -> delivery.id();
            case KeelListenerHeaders.KEY -> delivery.key();
            case KeelListenerHeaders.TIMESTAMP -> delivery.message().timestamp();
            case KeelListenerHeaders.ATTEMPT -> delivery.attempt();
            case KeelListenerHeaders.RECEIVED_TOPIC -> delivery.topic();
            case KeelListenerHeaders.RECEIVED_PARTITION -> delivery.partition();
            case KeelListenerHeaders.POSITION -> delivery.position();
            default -> {
                String value = delivery.headers().get(name);
                yield value != null ? value : delivery.keelHeaders().get(name);
            }
        };
    }

    private static Map<String, String> allHeaders(Delivery<Object> delivery) {
        Map<String, String> all = new HashMap<>(delivery.keelHeaders());
        all.putAll(delivery.headers());
        return Map.copyOf(all);
    }

    private static String name(MethodParameter parameter) {
        String name = parameter.getParameterName();
        return name != null ? name : "#" + parameter.getParameterIndex();
    }

    /** The payload's type, which chooses the codec. */
    ResolvableType payloadType() {
        return payloadType;
    }

    /** Whether the method takes the JDBC inbox's {@link Connection}. */
    boolean takesConnection() {
        return takesConnection;
    }

    /** The method's arguments for {@code delivery}; {@code connection} is the inbox's, or null. */
    Object[] arguments(Delivery<Object> delivery, Connection connection) {
        Object[] values = new Object[arguments.length];
        for (int i = 0; i < arguments.length; i++) {
            values[i] = arguments[i].of(delivery, connection);
        }
        return values;
    }

    @Override
    public String toString() {
        return source;
    }
}
