/**
 * The RabbitMQ adapter's implementation. Not API: may change without notice.
 */
package dev.keel.rabbit.internal;
