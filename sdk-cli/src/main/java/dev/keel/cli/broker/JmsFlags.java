package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The flags of one ActiveMQ line, {@code --<line>-url}, {@code --<line>-user} and {@code --<line>-password-env}
 * (the name of the environment variable that holds the password: never the password itself, so this record may be
 * shown; its URL may not, see {@link JmsUrls#redact}).
 *
 * @param line        {@code artemis} or {@code activemq}, as in the flags' names
 * @param url         the broker URL, which may hold secrets in its parameters
 * @param user        the user, or {@code null} for none
 * @param passwordEnv the name of the variable holding the user's password, or {@code null} for an empty password
 */
record JmsFlags(String line, String url, String user, String passwordEnv) {

    /**
     * Builds the line's adapter config from these flags: a value the config refuses, a password variable without a
     * user or an unset variable is an {@link EnvironmentException} naming the flag.
     *
     * @param setUrl         the builder's {@code url} setter
     * @param setCredentials the builder's {@code credentials(user, password)} setter
     * @param build          the builder's {@code build}
     */
    <C> C configure(Consumer<String> setUrl, BiConsumer<String, String> setCredentials, Supplier<C> build) {
        try {
            setUrl.accept(url);
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException(flag("url") + ": " + e.getMessage(), e);
        }
        if (user == null) {
            if (passwordEnv != null) {
                throw new EnvironmentException(flag("password-env") + " needs " + flag("user") + ": give the user "
                        + "whose password it holds");
            }
            return build.get();
        }
        try {
            setCredentials.accept(user, password());
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException(flag("user") + ": " + e.getMessage(), e);
        }
        return build.get();
    }

    /** Shows the URL with its password parameters masked. */
    @Override
    public String toString() {
        return "JmsFlags[line=" + line + ", url=" + (ActiveMQClassicMode.NAME.equals(line) ? JmsUrls.redactValues(url)
                : JmsUrls.redact(url)) + ", user=" + user + ", passwordEnv="
                + passwordEnv + "]";
    }

    /** {@code --<line>-<name>}. */
    String flag(String name) {
        return "--" + line + "-" + name;
    }

    private String password() {
        if (passwordEnv == null) {
            return "";
        }
        String password = System.getenv(passwordEnv);
        if (password == null) {
            throw new EnvironmentException(flag("password-env") + " " + passwordEnv + ": no environment variable "
                    + passwordEnv + " is set; export it with the password of " + flag("user"));
        }
        return password;
    }
}
