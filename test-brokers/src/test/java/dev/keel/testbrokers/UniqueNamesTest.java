package dev.keel.testbrokers;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UniqueNamesTest {

    @Test
    void namesAreUniqueAndValidOnEveryBroker() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            names.add(UniqueNames.of("orders"));
        }

        assertThat(names).hasSize(1000).allMatch(n -> n.matches("orders-[a-z0-9]+-[0-9]+"));
    }

    @Test
    void keyPrefixEndsWithAColon() {
        assertThat(UniqueNames.keyPrefix("dedup")).startsWith("dedup-").endsWith(":");
    }

    @Test
    void prefixWithCharactersSomeBrokerRejectsFails() {
        assertThatThrownBy(() -> UniqueNames.of("a.b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UniqueNames.of("")).isInstanceOf(IllegalArgumentException.class);
    }
}
