package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The {@code --broker} choices. Adding a broker: one {@link BrokerMode} class and one line here. */
public final class BrokerModes {

    private static final Map<String, Supplier<BrokerMode>> MODES = new LinkedHashMap<>();

    static {
        MODES.put(MemoryMode.NAME, MemoryMode::new);
        MODES.put(KafkaMode.NAME, KafkaMode::new);
        MODES.put(RabbitMode.NAME, RabbitMode::new);
        MODES.put(RocketMode.NAME, RocketMode::new);
        MODES.put(ArtemisMode.NAME, ArtemisMode::new);
        MODES.put(ActiveMQClassicMode.NAME, ActiveMQClassicMode::new);
    }

    private BrokerModes() {
    }

    /** The mode named {@code name}; an unknown name is an EnvironmentException listing the choices. */
    public static BrokerMode lookup(String name) {
        Supplier<BrokerMode> mode = MODES.get(name);
        if (mode == null) {
            throw new EnvironmentException("unknown --broker '" + name + "': choose one of "
                    + String.join(", ", MODES.keySet()) + " (memory needs nothing installed)");
        }
        return mode.get();
    }

    /** The names, for picocli's completion candidates and help. */
    public static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return new ArrayList<>(MODES.keySet()).iterator();
        }
    }
}
