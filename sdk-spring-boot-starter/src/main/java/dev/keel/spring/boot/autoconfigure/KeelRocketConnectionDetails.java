package dev.keel.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/** Where Keel's RocketMQ adapter connects: from {@code keel.rocket.name-server} by default. */
public interface KeelRocketConnectionDetails extends ConnectionDetails {

    /** The name server list, {@code host:port} separated by {@code ;}. */
    String nameServer();
}
