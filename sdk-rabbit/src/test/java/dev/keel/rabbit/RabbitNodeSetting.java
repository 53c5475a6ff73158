package dev.keel.rabbit;

import dev.keel.testbrokers.RabbitEndpoint;

/**
 * One setting of the RabbitMQ application on the harness's private node, changed with
 * {@code rabbitmqctl eval} and put back on {@link #close()}. Node-wide: channels read some settings
 * (such as {@code consumer_timeout}) when they open, so a change reaches channels opened after it.
 */
final class RabbitNodeSetting implements AutoCloseable {

    private final RabbitEndpoint rabbit;
    private final String name;
    private final String previous;
    private boolean restored;

    private RabbitNodeSetting(RabbitEndpoint rabbit, String name, String previous) {
        this.rabbit = rabbit;
        this.name = name;
        this.previous = previous;
    }

    /** Sets {@code rabbit.<name>} to the Erlang term {@code value}, remembering what it was. */
    static RabbitNodeSetting set(RabbitEndpoint rabbit, String name, String value) {
        String previous = rabbit.rabbitmqctl("eval", "Previous = application:get_env(rabbit, " + name + "), "
                + "application:set_env(rabbit, " + name + ", " + value + "), Previous.").trim();
        return new RabbitNodeSetting(rabbit, name, previous);
    }

    /** Puts the previous value back (idempotent). */
    @Override
    public void close() {
        if (restored) {
            return;
        }
        restored = true;
        if (previous.startsWith("{ok,") && previous.endsWith("}")) {
            String value = previous.substring("{ok,".length(), previous.length() - 1);
            rabbit.rabbitmqctl("eval", "application:set_env(rabbit, " + name + ", " + value + ").");
        } else {
            rabbit.rabbitmqctl("eval", "application:unset_env(rabbit, " + name + ").");
        }
    }
}
