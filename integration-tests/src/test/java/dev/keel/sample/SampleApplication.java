package dev.keel.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small orders service on Keel's Spring Boot starter: {@link OrderService} publishes
 * {@link OrderPlaced} events to the orders topic, {@link BillingListener} bills each once into
 * PostgreSQL. Configuration: {@code application.properties} next to it, plus the broker, Redis and
 * topic properties the tests give.
 */
@SpringBootApplication
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
