package dev.keel.rabbit;

import dev.keel.testbrokers.RabbitEndpoint;
import java.util.HashSet;
import java.util.Set;

/** What the harness's private node counts, read with {@code rabbitmqctl}: consumers of one connection. */
final class RabbitNodeConsumers {

    private RabbitNodeConsumers() {
    }

    /** Consumers the broker holds on the channels of the connection(s) named {@code connectionName}. */
    static int of(RabbitEndpoint rabbit, String connectionName) {
        Set<String> pids = new HashSet<>();
        String named = "{\"connection_name\",\"" + connectionName + "\"}";
        for (String line : rabbit.rabbitmqctl("list_connections", "--no-table-headers", "pid", "client_properties")
                .split("\n")) {
            if (line.contains(named)) {
                pids.add(line.substring(0, line.indexOf('\t')));
            }
        }
        int consumers = 0;
        for (String line : rabbit.rabbitmqctl("list_channels", "--no-table-headers", "connection", "consumer_count")
                .split("\n")) {
            String[] columns = line.trim().split("\t");
            if (columns.length == 2 && pids.contains(columns[0])) {
                consumers += Integer.parseInt(columns[1].trim());
            }
        }
        return consumers;
    }
}
