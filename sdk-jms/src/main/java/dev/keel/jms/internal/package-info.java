/**
 * The ActiveMQ adapter's implementation. Not API: may change without notice.
 */
package dev.keel.jms.internal;
