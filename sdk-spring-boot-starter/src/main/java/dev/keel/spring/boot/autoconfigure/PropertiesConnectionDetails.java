package dev.keel.spring.boot.autoconfigure;

/** The connection details read from {@code keel.*} properties. */
final class PropertiesConnectionDetails {

    private PropertiesConnectionDetails() {
    }

    record Kafka(KeelProperties.Kafka properties) implements KeelKafkaConnectionDetails {
        @Override
        public String bootstrapServers() {
            return properties.getBootstrapServers();
        }
    }

    record Rabbit(KeelProperties.Rabbit properties) implements KeelRabbitConnectionDetails {
        @Override
        public String uri() {
            if (properties.getUri() != null) {
                return properties.getUri();
            }
            String host = properties.getHost() != null ? properties.getHost() : "localhost";
            String port = properties.getPort() != null ? ":" + properties.getPort() : "";
            String vhost = properties.getVirtualHost() != null
                    ? "/" + java.net.URLEncoder.encode(properties.getVirtualHost(), java.nio.charset.StandardCharsets.UTF_8)
                    : "";
            return "amqp://" + host + port + vhost;
        }

        @Override
        public String username() {
            return properties.getUsername();
        }

        @Override
        public String password() {
            return properties.getPassword();
        }

        @Override
        public String toString() {
            return "PropertiesRabbitConnectionDetails"; // never the uri or password
        }
    }

    record Rocket(KeelProperties.Rocket properties) implements KeelRocketConnectionDetails {
        @Override
        public String nameServer() {
            return properties.getNameServer();
        }
    }

    record Artemis(KeelProperties.Artemis properties) implements KeelArtemisConnectionDetails {
        @Override
        public String url() {
            return properties.getUrl();
        }

        @Override
        public String user() {
            return properties.getUser();
        }

        @Override
        public String password() {
            return properties.getPassword();
        }
    }

    record ActiveMQ(KeelActiveMQProperties properties) implements KeelActiveMQConnectionDetails {
        @Override
        public String url() {
            return properties.getUrl();
        }

        @Override
        public String user() {
            return properties.getUser();
        }

        @Override
        public String password() {
            return properties.getPassword();
        }

        @Override
        public String toString() {
            return "PropertiesActiveMQConnectionDetails"; // never the url or password
        }
    }

    record Redis(KeelProperties.Redis properties) implements KeelRedisConnectionDetails {
        @Override
        public String uri() {
            if (properties.getUri() != null) {
                return properties.getUri();
            }
            return "redis://" + properties.getHost() + (properties.getPort() != null ? ":" + properties.getPort() : "");
        }

        @Override
        public String toString() {
            return "PropertiesRedisConnectionDetails"; // never the uri or password
        }
    }
}
