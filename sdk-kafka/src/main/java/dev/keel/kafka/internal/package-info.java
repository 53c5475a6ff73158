/**
 * The Kafka adapter's implementation. Not API: may change without notice.
 */
package dev.keel.kafka.internal;
