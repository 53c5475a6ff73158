package dev.keel.spring.boot.autoconfigure;

import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.jms.ActiveMQClassicConfig;
import dev.keel.jms.ArtemisAdapter;
import dev.keel.jms.ArtemisConfig;
import dev.keel.rocket.RocketAdapter;
import dev.keel.rocket.RocketConfig;
import dev.keel.spi.BrokerAdapter;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The {@link BrokerAdapter} of the adapter {@code keel.broker} and the class path select (see
 * {@link ConditionalOnKeelBroker}); a {@code BrokerAdapter} bean of the application's wins. The
 * adapter is closed by the context after Keel.
 */
@AutoConfiguration
@EnableConfigurationProperties(KeelProperties.class)
@Import({KeelBrokerAutoConfiguration.Kafka.class, KeelBrokerAutoConfiguration.Rabbit.class,
        KeelBrokerAutoConfiguration.Rocket.class, KeelBrokerAutoConfiguration.Artemis.class,
        KeelBrokerAutoConfiguration.ActiveMQ.class})
public class KeelBrokerAutoConfiguration {

    /** RabbitMQ's plain AMQP port, which an SSL bundle's TLS cannot reach. */
    private static final int PLAIN_AMQP_PORT = 5672;

    /** Kafka (module sdk-kafka). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.keel.kafka.KafkaAdapter")
    @ConditionalOnKeelBroker("kafka")
    static class Kafka {

        @Bean
        @ConditionalOnMissingBean(KeelKafkaConnectionDetails.class)
        @ConditionalOnProperty(prefix = "keel.kafka", name = "bootstrap-servers")
        KeelKafkaConnectionDetails keelKafkaConnectionDetails(KeelProperties properties) {
            return new PropertiesConnectionDetails.Kafka(properties.getKafka());
        }

        @Bean
        @ConditionalOnMissingBean(BrokerAdapter.class)
        KafkaAdapter keelKafkaAdapter(ObjectProvider<KeelKafkaConnectionDetails> details, KeelProperties properties) {
            KeelKafkaConnectionDetails connection = required(details, "Keel uses Kafka but "
                    + "keel.kafka.bootstrap-servers is not set: set it (host:port,...)");
            return new KafkaAdapter(PropertyRefusals.named("keel.kafka", () -> {
                KafkaConfig.Builder config = KafkaConfig.custom().bootstrapServers(connection.bootstrapServers())
                        .properties(properties.getKafka().getProperties());
                if (properties.getKafka().getClientId() != null) {
                    config.clientId(properties.getKafka().getClientId());
                }
                if (properties.getKafka().getDelayTopicCheckInterval() != null) {
                    config.delayTopicCheckInterval(properties.getKafka().getDelayTopicCheckInterval());
                }
                if (properties.getKafka().getLinger() != null) {
                    config.linger(properties.getKafka().getLinger());
                }
                return config.build();
            }));
        }
    }

    /** RabbitMQ (module sdk-rabbit). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.keel.rabbit.RabbitAdapter")
    @ConditionalOnKeelBroker("rabbit")
    static class Rabbit {

        @Bean
        @ConditionalOnMissingBean(KeelRabbitConnectionDetails.class)
        KeelRabbitConnectionDetails keelRabbitConnectionDetails(KeelProperties properties) {
            return new PropertiesConnectionDetails.Rabbit(properties.getRabbit());
        }

        @Bean
        @ConditionalOnMissingBean(BrokerAdapter.class)
        RabbitAdapter keelRabbitAdapter(KeelRabbitConnectionDetails connection, KeelProperties properties,
                ObjectProvider<SslBundles> sslBundles) {
            return new RabbitAdapter(PropertyRefusals.named("keel.rabbit", () -> {
                RabbitConfig.Builder config = RabbitConfig.custom().uri(connection.uri());
                if (connection.username() != null) {
                    config.username(connection.username());
                }
                if (connection.password() != null) {
                    config.password(connection.password());
                }
                String bundle = properties.getRabbit().getSslBundle();
                if (bundle != null) {
                    if (java.net.URI.create(connection.uri()).getPort() == PLAIN_AMQP_PORT) {
                        throw new IllegalArgumentException("ssl-bundle turns TLS on, and the broker's address names "
                                + "port " + PLAIN_AMQP_PORT + ", RabbitMQ's plain AMQP port: use the port of its TLS "
                                + "listener (amqps://host:5671/vhost), or remove keel.rabbit.ssl-bundle");
                    }
                    config.sslContext(sslBundle("keel.rabbit", bundle, sslBundles).createSslContext());
                }
                return config.build();
            }));
        }
    }

    /** RocketMQ (module sdk-rocket). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.keel.rocket.RocketAdapter")
    @ConditionalOnKeelBroker("rocket")
    static class Rocket {

        @Bean
        @ConditionalOnMissingBean(KeelRocketConnectionDetails.class)
        @ConditionalOnProperty(prefix = "keel.rocket", name = "name-server")
        KeelRocketConnectionDetails keelRocketConnectionDetails(KeelProperties properties) {
            return new PropertiesConnectionDetails.Rocket(properties.getRocket());
        }

        @Bean
        @ConditionalOnMissingBean(BrokerAdapter.class)
        RocketAdapter keelRocketAdapter(ObjectProvider<KeelRocketConnectionDetails> details,
                KeelProperties properties) {
            KeelRocketConnectionDetails connection = required(details, "Keel uses RocketMQ but "
                    + "keel.rocket.name-server is not set: set it (host:port;...)");
            KeelProperties.Rocket rocket = properties.getRocket();
            return new RocketAdapter(PropertyRefusals.named("keel.rocket", () -> {
                RocketConfig.Builder config = RocketConfig.custom().nameServer(connection.nameServer());
                apply(rocket.getClientId(), config::clientId);
                apply(rocket.getSendTimeout(), config::sendTimeout);
                apply(rocket.getAdminTimeout(), config::adminTimeout);
                apply(rocket.getPollTimeout(), config::pollTimeout);
                apply(rocket.getCommitInterval(), config::commitInterval);
                apply(rocket.getRebalanceInterval(), config::rebalanceInterval);
                apply(rocket.getCloseTimeout(), config::closeTimeout);
                apply(rocket.getMaxBatchMessages(), config::maxBatchMessages);
                apply(rocket.getMaxMessageBytes(), config::maxMessageBytes);
                if (rocket.getAccessKey() != null || rocket.getSecretKey() != null) {
                    if (rocket.getAccessKey() == null || rocket.getSecretKey() == null) {
                        throw new IllegalArgumentException("keel.rocket.access-key and keel.rocket.secret-key go "
                                + "together: set both (the broker's user and its password) or neither");
                    }
                    config.credentials(rocket.getAccessKey(), rocket.getSecretKey());
                }
                if (rocket.getTlsTrustedCertificates() != null) {
                    config.tls(java.nio.file.Path.of(rocket.getTlsTrustedCertificates()));
                }
                if (rocket.getTlsClientCertificate() != null || rocket.getTlsClientKey() != null) {
                    if (rocket.getTlsClientCertificate() == null || rocket.getTlsClientKey() == null
                            || rocket.getTlsTrustedCertificates() == null) {
                        throw new IllegalArgumentException("keel.rocket.tls-client-certificate and tls-client-key go "
                                + "together, with tls-trusted-certificates: set all three, or no client certificate");
                    }
                    try {
                        config.clientCertificate(java.nio.file.Path.of(rocket.getTlsClientCertificate()),
                                java.nio.file.Path.of(rocket.getTlsClientKey()), rocket.getTlsClientKeyPassword());
                    } catch (IllegalArgumentException e) { // the files rocketmq-client could not use, not the password
                        throw new IllegalArgumentException("tls-client-certificate, tls-client-key and "
                                + "tls-client-key-password: " + e.getMessage(), e);
                    }
                }
                return config.build();
            }));
        }
    }

    /** ActiveMQ Artemis (module sdk-jms). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.keel.jms.ArtemisAdapter",
            "org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory"})
    @ConditionalOnKeelBroker("artemis")
    static class Artemis {

        @Bean
        @ConditionalOnMissingBean(KeelArtemisConnectionDetails.class)
        @ConditionalOnProperty(prefix = "keel.artemis", name = "url")
        KeelArtemisConnectionDetails keelArtemisConnectionDetails(KeelProperties properties) {
            return new PropertiesConnectionDetails.Artemis(properties.getArtemis());
        }

        @Bean
        @ConditionalOnMissingBean(BrokerAdapter.class)
        ArtemisAdapter keelArtemisAdapter(ObjectProvider<KeelArtemisConnectionDetails> details,
                KeelProperties properties) {
            KeelArtemisConnectionDetails connection = required(details, "Keel uses ActiveMQ Artemis but "
                    + "keel.artemis.url is not set: set it (tcp://host:61616)");
            KeelProperties.Artemis artemis = properties.getArtemis();
            return new ArtemisAdapter(PropertyRefusals.named("keel.artemis", () -> {
                ArtemisConfig.Builder config = ArtemisConfig.custom().url(connection.url());
                credentials(connection.user(), connection.password(), config::credentials);
                apply(artemis.getSendLanes(), config::sendLanes);
                apply(artemis.getDefaultPartitions(), config::defaultPartitions);
                apply(artemis.getMaxMessageBytes(), config::maxMessageBytes);
                apply(artemis.getCloseTimeout(), config::closeTimeout);
                return config.build();
            }));
        }
    }

    /** ActiveMQ Classic (module sdk-jms with ActiveMQ Classic's client). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.keel.jms.ActiveMQClassicAdapter", "org.apache.activemq.ActiveMQConnectionFactory"})
    @ConditionalOnKeelBroker("activemq")
    @EnableConfigurationProperties(KeelActiveMQProperties.class)
    static class ActiveMQ {

        @Bean
        @ConditionalOnMissingBean(KeelActiveMQConnectionDetails.class)
        @ConditionalOnProperty(prefix = "keel.activemq", name = "url")
        KeelActiveMQConnectionDetails keelActiveMQConnectionDetails(KeelActiveMQProperties properties) {
            return new PropertiesConnectionDetails.ActiveMQ(properties);
        }

        @Bean
        @ConditionalOnMissingBean(BrokerAdapter.class)
        ActiveMQClassicAdapter keelActiveMQAdapter(ObjectProvider<KeelActiveMQConnectionDetails> details,
                KeelActiveMQProperties activemq, ObjectProvider<SslBundles> sslBundles) {
            KeelActiveMQConnectionDetails connection = required(details, "Keel uses ActiveMQ Classic but "
                    + "keel.activemq.url is not set: set it (tcp://host:61616)");
            return new ActiveMQClassicAdapter(PropertyRefusals.named("keel.activemq", () -> {
                ActiveMQClassicConfig.Builder config = ActiveMQClassicConfig.custom().url(connection.url());
                credentials(connection.user(), connection.password(), config::credentials);
                apply(activemq.getSendLanes(), config::sendLanes);
                apply(activemq.getMaxMessageBytes(), config::maxMessageBytes);
                apply(activemq.getPrefetch(), config::prefetch);
                apply(activemq.getPrioritizedQueues(), config::prioritizedQueues);
                apply(activemq.getCloseTimeout(), config::closeTimeout);
                apply(activemq.getSendTimeout(), config::sendTimeout);
                if (activemq.getSslBundle() != null) {
                    if (!connection.url().toLowerCase(java.util.Locale.ROOT).contains("ssl://")) {
                        throw new IllegalArgumentException("ssl-bundle applies to TLS connections only, and the url "
                                + "has none: use ssl://host:port (the broker's TLS connector, 61617 by convention), "
                                + "or remove keel.activemq.ssl-bundle");
                    }
                    SslManagerBundle managers = sslBundle("keel.activemq", activemq.getSslBundle(), sslBundles)
                            .getManagers();
                    config.tlsManagers(managers.getKeyManagers(), managers.getTrustManagers());
                }
                return config.build();
            }));
        }
    }

    /** The connection details, which the address property or a connection details bean gives. */
    private static <D> D required(ObjectProvider<D> details, String missing) {
        D connection = details.getIfAvailable();
        if (connection == null) {
            throw new IllegalStateException(missing + ", or define a BrokerAdapter bean");
        }
        return connection;
    }

    /**
     * The Spring Boot SSL bundle {@code name} ({@code spring.ssl.bundle.*}); an unknown name is refused naming the
     * property and where to define the bundle.
     */
    private static SslBundle sslBundle(String prefix, String name, ObjectProvider<SslBundles> bundles) {
        SslBundles registry = bundles.getIfAvailable();
        try {
            if (registry == null) {
                throw new NoSuchSslBundleException(name, "no SSL bundles are configured");
            }
            return registry.getBundle(name);
        } catch (NoSuchSslBundleException e) {
            throw new IllegalArgumentException("ssl-bundle names the SSL bundle '" + name + "', which is not "
                    + "defined: define it under spring.ssl.bundle.jks." + name + " or spring.ssl.bundle.pem." + name
                    + ", or correct " + prefix + ".ssl-bundle", e);
        }
    }

    /** The user and password, when a user is given (no password is an empty one). */
    private static void credentials(String user, String password, BiConsumer<String, String> setter) {
        if (user != null) {
            setter.accept(user, password == null ? "" : password);
        }
    }

    /** Sets what the application set; the rest keeps the adapter config's defaults. */
    private static <T> void apply(T value, Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }
}
