package dev.keel.rabbit;

/** How {@link RabbitAdapter} logs in to RabbitMQ (the SASL mechanism of the AMQP handshake). */
public enum AuthenticationMechanism {
    /** A user name and password ({@link RabbitConfig#username()}, {@link RabbitConfig#password()}): the default. */
    PLAIN,
    /**
     * The client certificate alone (SASL {@code EXTERNAL}, mutual TLS): RabbitMQ takes the user name from the
     * certificate the client presented in the TLS handshake, and no password is sent. Needs TLS with a client
     * certificate, and on the broker the {@code rabbitmq_auth_mechanism_ssl} plugin, {@code EXTERNAL} among its
     * {@code auth_mechanisms}, and a user of the certificate's name ({@code ssl_cert_login_from} says which part of
     * the certificate: by default its whole subject, {@code common_name} its CN). See docs/security.md.
     */
    EXTERNAL
}
