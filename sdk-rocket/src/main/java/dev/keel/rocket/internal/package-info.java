/**
 * The RocketMQ adapter's implementation. Not API: may change without notice.
 */
package dev.keel.rocket.internal;
