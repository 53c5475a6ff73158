/**
 * Testcontainers {@code @ServiceConnection} support: Kafka, RabbitMQ and Redis containers give Keel
 * its connection details, so a {@code @SpringBootTest} with containers needs no {@code keel.*}
 * connection properties. Registered in {@code META-INF/spring.factories}.
 */
package dev.keel.spring.boot.testcontainers;
