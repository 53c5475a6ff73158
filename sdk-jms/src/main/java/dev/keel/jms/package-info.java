/**
 * Keel on ActiveMQ Artemis through Jakarta Messaging: {@link dev.keel.jms.ArtemisAdapter} is the
 * {@link dev.keel.spi.BrokerAdapter} (a multicast address per topic, one durable queue per consumer
 * group with the message's key as its message group, confirmed persistent sends, individual
 * acknowledgement after handling), configured by the immutable {@link dev.keel.jms.ArtemisConfig}.
 */
package dev.keel.jms;
