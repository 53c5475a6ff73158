package dev.keel.spi.support;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a broker client that could not be created ("Failed to create new ...", "Failed to construct ...") says of its
 * reason, for an error that names it: the messages of the failure's causes below the creation's, down to the first
 * that is not the client's own (named by its class), with every secret in them masked: the value of each
 * {@code password=}, a URL's user info, the value the client quotes of a secret or URL setting ("Invalid value X for
 * configuration Y"), and any token of a {@code sasl.jaas.config} the client could not parse (said as how such a line
 * must look instead). A key or trust store that cannot be loaded is said with its setting and why: the file does not
 * exist, cannot be read, or is no store of its type.
 */
public final class ClientSetupFailures {

    /** What stands for a value the client quoted of a secret or URL setting. */
    public static final String HIDDEN = "[hidden]";

    private static final Pattern QUOTED_PASSWORD = Pattern.compile("(?i)(password\\s*=\\s*)\"[^\"]*\"");
    private static final Pattern PLAIN_PASSWORD = Pattern.compile("(?i)(password\\s*=\\s*)[^\\s\";,]+");
    /** kafka-clients' ConfigException: {@code Invalid value X for configuration Y}, X as group 1, Y as group 2. */
    private static final Pattern INVALID_VALUE = Pattern.compile("Invalid value (.*?) for configuration ([\\w.-]+)");
    /** A setting whose value may be secret, or a URL that may hold user info. */
    private static final List<String> SECRET_SETTING = List.of("password", "passphrase", "secret", "credential",
            "token", "jaas", "user.info", "userinfo", "url", "uri", "endpoint");
    /** kafka-clients' store loading failure, its path as group 1 and its type as group 2. */
    private static final Pattern STORE = Pattern.compile("Failed to load SSL (?:keystore|truststore) (.+) of type (\\S+)");
    /** The JAAS parser's messages that quote no token of the value; any other is not quoted. */
    private static final Set<String> JAAS_WITHOUT_TOKENS = Set.of("JAAS config entry not terminated by semi-colon",
            "Login module not specified in JAAS config", "Login module control flag not specified in JAAS config",
            "Login module control flag is not available in the JAAS config",
            "JAAS config property does not contain any login modules", "Unexpected exception while parsing JAAS config");
    private static final String JAAS_SHAPE = "; it must be a LoginModule class, a control flag (required, requisite, "
            + "sufficient or optional), then key=\"value\" options with each value in double quotes, ending with ; "
            + "(for example: org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" "
            + "password=\"...\";). No part of its value is shown, so that no part of a password is";

    private ClientSetupFailures() {
    }

    /**
     * The reason of {@code failure}, secrets masked.
     *
     * @param clientPackage the client's package prefix ({@code "org.apache.kafka."}): its exceptions' messages are
     *                      taken as they are, and the first exception of another package ends the reason
     */
    public static String reason(Throwable failure, String clientPackage) {
        return reason(failure, clientPackage, Map.of());
    }

    /**
     * The reason of {@code failure}, secrets masked, naming the setting of a store file or class that {@code settings}
     * (the client's properties) hold.
     *
     * @param clientPackage the client's package prefix ({@code "org.apache.kafka."}): its exceptions' messages are
     *                      taken as they are, and the first exception of another package ends the reason
     * @param settings      the client's properties, only to name the setting of a path or class the reason names
     */
    public static String reason(Throwable failure, String clientPackage, Map<String, ?> settings) {
        StringJoiner reason = new StringJoiner(": ");
        String last = "";
        for (Throwable t = failure; t != null; t = next(t)) {
            if (isJaasFailure(t)) {
                reason.add(jaas(t));
                break;
            }
            String message = t.getMessage();
            Matcher store = message == null ? null : STORE.matcher(message);
            if (store != null && store.matches()) {
                reason.add(store(store.group(1), store.group(2), next(t), settings));
                break;
            }
            if (t instanceof ClassNotFoundException) {
                reason.add(missingClass(String.valueOf(message), settings));
                break;
            }
            if (message == null || message.startsWith("Failed to create new") || message.startsWith("Failed to construct")
                    || last.contains(message) || next(t) instanceof ClassNotFoundException) {
                continue;
            }
            boolean clients = t.getClass().getName().startsWith(clientPackage);
            reason.add(clients ? message : t.getClass().getSimpleName() + ": " + message);
            last = message;
            if (!clients) {
                break;
            }
        }
        return mask(reason.toString());
    }

    /**
     * A copy of {@code failure}'s chain to carry as the cause of an error that names the reason: each exception's
     * class name, stack trace and message, the message masked as {@link #reason} masks it (a JAAS parser's said
     * without its tokens), so that a logger printing the cause prints no secret.
     */
    public static RuntimeException sanitized(Throwable failure, String clientPackage) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null; t = next(t)) {
            chain.add(t);
        }
        Sanitized copy = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            Throwable t = chain.get(i);
            String message = isJaasFailure(t) ? jaas(t) : t.getMessage() == null ? null : mask(t.getMessage());
            copy = new Sanitized(t.getClass().getName(), message, copy);
            copy.setStackTrace(t.getStackTrace());
        }
        return copy;
    }

    /**
     * The name of {@code t}'s class, or for a copy {@link #sanitized} made, of the class it copies: so that what
     * recognises a client's failures by their classes recognises the copies too.
     */
    public static String className(Throwable t) {
        return t instanceof Sanitized copy ? copy.className : t.getClass().getName();
    }

    /** {@code text} with the value of every {@code password=...} (quoted or not) replaced by {@code ***}. */
    public static String maskPasswords(String text) {
        String quoted = QUOTED_PASSWORD.matcher(text).replaceAll("$1\"***\"");
        return PLAIN_PASSWORD.matcher(quoted).replaceAll("$1***");
    }

    /**
     * {@code text} with its secrets masked: each URL's user info ({@link UrlPasswords#maskUserInfo}), the value of
     * every {@code password=...}, and the value X of each {@code Invalid value X for configuration Y} when Y is a
     * secret or URL setting or X looks like a URL with user info ({@value #HIDDEN}).
     */
    public static String mask(String text) {
        Matcher invalid = INVALID_VALUE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (invalid.find()) {
            String value = invalid.group(1);
            boolean hide = secretSetting(invalid.group(2)) || value.contains("@") || value.contains("://");
            invalid.appendReplacement(out, Matcher.quoteReplacement("Invalid value " + (hide ? HIDDEN : value)
                    + " for configuration " + invalid.group(2)));
        }
        invalid.appendTail(out);
        return maskPasswords(UrlPasswords.maskUserInfo(out.toString()));
    }

    private static boolean secretSetting(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".key") || lower.equals("key") || SECRET_SETTING.stream().anyMatch(lower::contains);
    }

    /** Whether {@code t} is a JAAS parser's refusal of {@code sasl.jaas.config}, whose message may quote its tokens. */
    private static boolean isJaasFailure(Throwable t) {
        if (!(t instanceof IllegalArgumentException)) {
            return false;
        }
        StackTraceElement[] stack = t.getStackTrace();
        String thrower = stack.length > 0 ? stack[0].getClassName() : "";
        return thrower.substring(thrower.lastIndexOf('.') + 1).startsWith("Jaas")
                || String.valueOf(t.getMessage()).contains("JAAS config");
    }

    private static String jaas(Throwable t) {
        String message = String.valueOf(t.getMessage());
        if (message.contains("is not allowed")) {
            return "sasl.jaas.config names a LoginModule this JVM does not allow (system properties "
                    + "org.apache.kafka.allowed.login.modules and org.apache.kafka.disallowed.login.modules). "
                    + "Its value is not shown, so that no part of a password is";
        }
        return "sasl.jaas.config could not be parsed" + (JAAS_WITHOUT_TOKENS.contains(message) ? " (" + message + ")" : "")
                + JAAS_SHAPE;
    }

    /** A store file that could not be loaded, said with its setting when {@code settings} name it, and why. */
    private static String store(String path, String type, Throwable why, Map<String, ?> settings) {
        String store = settingOf(path, settings, ".location").map(s -> s + " " + path)
                .orElse("the key or trust store " + path);
        if (why instanceof NoSuchFileException || why instanceof FileNotFoundException) {
            return store + ": the file does not exist";
        }
        if (why instanceof AccessDeniedException) {
            return store + ": the file cannot be read (access denied)";
        }
        String message = why == null ? null : why.getMessage();
        if (why instanceof EOFException || message == null || message.contains("format")) {
            return store + ": the file is not a " + type + " key store, or is damaged"
                    + (message == null ? "" : " (" + message + ")") + "; check its type (ssl.keystore.type, "
                    + "ssl.truststore.type) and the file";
        }
        return store + " (type " + type + ") could not be loaded: " + message;
    }

    private static String missingClass(String name, Map<String, ?> settings) {
        return settingOf(name, settings, "").map(s -> s + " names class " + name + ", which")
                .orElse("class " + name) + " is not on the class path (ClassNotFoundException)";
    }

    /** The setting (ending in {@code suffix}) whose value is, or lists, {@code value}. */
    private static Optional<String> settingOf(String value, Map<String, ?> settings, String suffix) {
        return settings.entrySet().stream()
                .filter(e -> e.getKey().endsWith(suffix) && e.getValue() != null
                        && List.of(String.valueOf(e.getValue()).split("\\s*,\\s*")).contains(value))
                .map(Map.Entry::getKey).sorted().findFirst();
    }

    private static Throwable next(Throwable t) {
        return t.getCause() == t ? null : t.getCause();
    }

    /** A copy of a client's exception: its class named, its message masked. */
    private static final class Sanitized extends RuntimeException {

        private static final long serialVersionUID = 1L;
        private final String className;

        Sanitized(String className, String message, Throwable cause) {
            super(message, cause);
            this.className = className;
        }

        @Override
        public String toString() {
            return getMessage() == null ? className : className + ": " + getMessage();
        }
    }
}
