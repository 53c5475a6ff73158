/**
 * Real brokers for tests: {@link dev.keel.testbrokers.Brokers} hands a test a running Kafka, RabbitMQ,
 * RocketMQ, ActiveMQ Artemis, ActiveMQ Classic or Redis ({@link dev.keel.testbrokers.BrokerEndpoint}) from a configured
 * endpoint, local processes on loopback or Testcontainers, started once per JVM and shared; endpoints
 * the harness owns can be killed and restarted for fault tests, and
 * {@link dev.keel.testbrokers.ForkedJvm} runs a main class in a JVM a test can kill. For Keel's own
 * tests; not part of the SDK that applications use.
 */
package dev.keel.testbrokers;
