package dev.keel.rabbit;

import dev.keel.testbrokers.RabbitEndpoint;
import java.util.ArrayList;
import java.util.List;

/** Connections of the harness's private node, found by the name their client gave them, and closed from the broker's side. */
final class RabbitNodeConnections {

    private RabbitNodeConnections() {
    }

    /** The pids of the connections named {@code connectionName}. */
    static List<String> pidsOf(RabbitEndpoint rabbit, String connectionName) {
        List<String> pids = new ArrayList<>();
        String named = "{\"connection_name\",\"" + connectionName + "\"}";
        for (String line : rabbit.rabbitmqctl("list_connections", "--no-table-headers", "pid", "client_properties")
                .split("\n")) {
            if (line.contains(named)) {
                pids.add(line.substring(0, line.indexOf('\t')).trim());
            }
        }
        return pids;
    }

    /**
     * {@code rabbitmqctl close_connection} of every connection named {@code connectionName}: the broker
     * closes it (connection.close with CONNECTION_FORCED), as it does for an operator or a node shutting down.
     *
     * @return how many it closed
     */
    static int close(RabbitEndpoint rabbit, String connectionName) {
        List<String> pids = pidsOf(rabbit, connectionName);
        for (String pid : pids) {
            rabbit.rabbitmqctl("close_connection", pid, "closed by a Keel test");
        }
        return pids.size();
    }
}
