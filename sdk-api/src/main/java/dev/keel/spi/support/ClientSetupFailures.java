package dev.keel.spi.support;

import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * What a broker client that could not be created ("Failed to create new ...", "Failed to construct ...") says of its
 * reason, for an error that names it: the messages of the failure's causes below the creation's, down to the first
 * that is not the client's own (named by its class), with every password in them masked.
 */
public final class ClientSetupFailures {

    private static final Pattern QUOTED_PASSWORD = Pattern.compile("(?i)(password\\s*=\\s*)\"[^\"]*\"");
    private static final Pattern PLAIN_PASSWORD = Pattern.compile("(?i)(password\\s*=\\s*)[^\\s\";,]+");

    private ClientSetupFailures() {
    }

    /**
     * The reason of {@code failure}, passwords masked.
     *
     * @param clientPackage the client's package prefix ({@code "org.apache.kafka."}): its exceptions' messages are
     *                      taken as they are, and the first exception of another package ends the reason
     */
    public static String reason(Throwable failure, String clientPackage) {
        StringJoiner reason = new StringJoiner(": ");
        String last = "";
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message == null || message.startsWith("Failed to create new") || message.startsWith("Failed to construct")
                    || last.contains(message)) {
                continue;
            }
            boolean clients = t.getClass().getName().startsWith(clientPackage);
            reason.add(clients ? message : t.getClass().getSimpleName() + ": " + message);
            last = message;
            if (!clients) {
                break;
            }
        }
        return maskPasswords(reason.toString());
    }

    /** {@code text} with the value of every {@code password=...} (quoted or not) replaced by {@code ***}. */
    public static String maskPasswords(String text) {
        String quoted = QUOTED_PASSWORD.matcher(text).replaceAll("$1\"***\"");
        return PLAIN_PASSWORD.matcher(quoted).replaceAll("$1***");
    }
}
