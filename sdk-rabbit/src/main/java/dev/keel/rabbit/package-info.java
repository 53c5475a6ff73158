/**
 * Keel on RabbitMQ: {@link dev.keel.rabbit.RabbitAdapter} is the {@link dev.keel.spi.BrokerAdapter} for
 * RabbitMQ (a durable direct exchange per topic, one set of lane queues per consumer group, publisher
 * confirms and manual acks), configured by the immutable {@link dev.keel.rabbit.RabbitConfig}, with the
 * lane queues' {@link dev.keel.rabbit.QueueType}.
 */
package dev.keel.rabbit;
