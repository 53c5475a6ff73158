package dev.keel.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * Finds properties written {@code keel.listeners.<id>.<property>} for a listener whose id has a dot (such as
 * {@code billing-orders.DLT}, a dead-letter reader's default id): Spring Boot splits that key at the dot, so the
 * property binds to nothing, silently. Each is told with the bracket form that binds
 * ({@link ListenerPropertyNames}).
 */
final class DottedListenerKeys {

    private static final String PREFIX = "keel.listeners.";

    private DottedListenerKeys() {
    }

    /** The names of every {@code keel.listeners.*} property the environment holds, as Spring Boot spells them. */
    static Stream<String> listenerPropertyNames(Environment environment) {
        List<String> names = new ArrayList<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.stream().map(Object::toString).filter(n -> n.startsWith("keel.listeners")).forEach(names::add);
            }
        }
        return names.stream().distinct();
    }

    /** One warning per property in {@code names} that is the dotted form of a property of one of {@code ids}. */
    static List<String> warnings(Stream<String> names, Collection<String> ids) {
        List<String> warnings = new ArrayList<>();
        names.forEach(name -> {
            for (String id : ids) {
                String dotted = PREFIX + id.toLowerCase(Locale.ROOT) + ".";
                if (id.contains(".") && name.startsWith(dotted)) {
                    warnings.add(name + " binds to nothing: the listener id '" + id + "' has a dot, which splits the"
                            + " key; write " + ListenerPropertyNames.prefix(id) + "." + name.substring(dotted.length()));
                }
            }
        });
        return warnings;
    }
}
