package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The property names Keel's messages tell a user to set bind to the listener they name, whatever its id. */
class ListenerPropertyNamesTest {

    @Test
    void aPlainIdShouldBeNamedWithoutBrackets() {
        assertThat(ListenerPropertyNames.prefix("billing-orders")).isEqualTo("keel.listeners.billing-orders");
    }

    @Test
    void theNameGivenForADeadLetterReadersDottedIdShouldBindToThatListener() {
        String id = "repair-orders.DLT";
        String property = ListenerPropertyNames.prefix(id) + ".dead-letter.topic";

        assertThat(property).isEqualTo("keel.listeners[repair-orders.DLT].dead-letter.topic");
        assertThat(deadLetterTopicBound(property, id)).isEqualTo("repairs.parked");
    }

    @Test
    void theDottedFormShouldNotBindToADottedIdWhichIsWhyKeelNeverSuggestsIt() {
        assertThat(deadLetterTopicBound("keel.listeners.repair-orders.DLT.dead-letter.topic", "repair-orders.DLT"))
                .isNull();
    }

    private static String deadLetterTopicBound(String property, String id) {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of(property, "repairs.parked")));
        KeelProperties properties = binder.bind("keel", KeelProperties.class).orElseGet(KeelProperties::new);
        ListenerSettings settings = properties.getListeners().get(id);
        return settings == null ? null : settings.getDeadLetter().getTopic();
    }
}
