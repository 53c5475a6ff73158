package dev.keel.kafka.internal;

import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClientFactory;

/**
 * The SASL settings of a Kafka client that cannot work, found without the broker: under a SASL
 * {@code security.protocol}, a {@code sasl.mechanism} that neither kafka-clients nor a SASL client factory registered in
 * the JVM offers, or a {@code sasl.jaas.config} naming one of kafka-clients' own login modules (or Kerberos') for
 * another mechanism. kafka-clients accepts both when the client is created and then fails every connection
 * ("Failed to create SaslClient"), which callers see as an unreachable broker. Of a JAAS value only the login module's
 * class name is ever quoted: the rest holds credentials.
 */
public final class SaslSettings {

    /** kafka-clients' default {@code sasl.mechanism}. */
    static final String DEFAULT_MECHANISM = "GSSAPI";
    private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
    private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule";
    private static final String OAUTH = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
    private static final String KRB5 = "com.sun.security.auth.module.Krb5LoginModule";
    private static final String IBM_KRB5 = "com.ibm.security.auth.module.Krb5LoginModule";

    /** The mechanisms kafka-clients ships, in its documentation's order, and the login module each needs. */
    private static final Map<String, String> KAFKA_MECHANISMS = orderedMap(
            "GSSAPI", KRB5, "PLAIN", PLAIN, "SCRAM-SHA-256", SCRAM, "SCRAM-SHA-512", SCRAM, "OAUTHBEARER", OAUTH);
    /** The login modules whose mechanisms are known, and those mechanisms. */
    private static final Map<String, List<String>> MODULE_MECHANISMS = Map.of(PLAIN, List.of("PLAIN"),
            SCRAM, List.of("SCRAM-SHA-256", "SCRAM-SHA-512"), OAUTH, List.of("OAUTHBEARER"), KRB5, List.of("GSSAPI"),
            IBM_KRB5, List.of("GSSAPI"));
    private static final Set<String> SASL_PROTOCOLS = Set.of("SASL_PLAINTEXT", "SASL_SSL");
    /** The first word of a JAAS configuration entry: its login module's class name. */
    private static final Pattern LOGIN_MODULE = Pattern.compile("\\s*([\\p{L}_$][\\p{L}\\p{N}_$]*(?:\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*)(?:\\s|;|$)");

    private SaslSettings() {
    }

    /** Throws {@link IllegalArgumentException} saying what to change when {@code properties}' SASL settings cannot work. */
    public static void check(Map<String, String> properties) {
        String protocol = properties.get("security.protocol");
        if (protocol == null || !SASL_PROTOCOLS.contains(protocol.strip().toUpperCase(Locale.ROOT))) {
            return; // kafka-clients ignores the SASL settings
        }
        String set = properties.get("sasl.mechanism");
        String mechanism = set == null ? DEFAULT_MECHANISM : set.strip();
        if (!KAFKA_MECHANISMS.containsKey(mechanism)) {
            Set<String> jvm = jvmMechanisms();
            if (!jvm.contains(mechanism)) {
                throw new IllegalArgumentException(unknownMechanism(mechanism, jvm));
            }
            return; // a mechanism of the user's own: its login module is theirs to choose
        }
        String jaas = properties.get("sasl.jaas.config");
        if (jaas == null) {
            return; // a JAAS file (java.security.auth.login.config) or a Configuration set in code: not ours to read
        }
        loginModule(jaas).ifPresent(module -> {
            List<String> mechanisms = MODULE_MECHANISMS.get(module);
            if (mechanisms != null && !mechanisms.contains(mechanism)) {
                throw new IllegalArgumentException(mismatch(set == null, mechanism, module, mechanisms));
            }
        });
    }

    private static String unknownMechanism(String mechanism, Set<String> jvm) {
        Set<String> others = new TreeSet<>(jvm);
        others.removeAll(KAFKA_MECHANISMS.keySet());
        String hint = KAFKA_MECHANISMS.keySet().stream().filter(m -> m.equalsIgnoreCase(mechanism)).findFirst()
                .or(() -> others.stream().filter(m -> m.equalsIgnoreCase(mechanism)).findFirst())
                .map(m -> " (mechanism names are case-sensitive: did you mean " + m + "?)").orElse("");
        return "sasl.mechanism '" + mechanism + "' is no SASL mechanism this client can use" + hint
                + ": kafka-clients offers " + String.join(", ", KAFKA_MECHANISMS.keySet())
                + (others.isEmpty() ? "" : ", and the SASL client factories registered in this JVM offer "
                        + String.join(", ", others))
                + ". With it every connection would fail (\"Failed to create SaslClient\") and the broker look "
                + "unreachable; set one of these (the broker's listener must enable it)";
    }

    private static String mismatch(boolean defaulted, String mechanism, String module, List<String> mechanisms) {
        String needed = KAFKA_MECHANISMS.get(mechanism);
        String which = defaulted ? "sasl.mechanism is not set, so kafka-clients uses " + mechanism
                : "sasl.mechanism " + mechanism;
        return which + ", but sasl.jaas.config names " + module + ", the login module of "
                + String.join(" and ", mechanisms) + ": " + mechanism + " needs " + needed + ". Set sasl.mechanism="
                + String.join(" or ", mechanisms) + " for that module, or give sasl.jaas.config " + needed
                + "; with them mismatched every connection would fail and the broker look unreachable";
    }

    /** The login module's class name, the JAAS value's first word; empty when it does not start with one. */
    static Optional<String> loginModule(String jaas) {
        Matcher m = LOGIN_MODULE.matcher(jaas);
        return m.lookingAt() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Every mechanism a SASL client factory registered in the JVM offers, by any policy. */
    private static Set<String> jvmMechanisms() {
        Set<String> mechanisms = new TreeSet<>();
        Enumeration<SaslClientFactory> factories = Sasl.getSaslClientFactories();
        for (SaslClientFactory factory : Collections.list(factories)) {
            String[] names;
            try {
                names = factory.getMechanismNames(null);
            } catch (RuntimeException e) {
                continue; // a factory that cannot say offers nothing we can name
            }
            for (String name : names == null ? new String[0] : names) {
                if (name != null) {
                    mechanisms.add(name);
                }
            }
        }
        return mechanisms;
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
