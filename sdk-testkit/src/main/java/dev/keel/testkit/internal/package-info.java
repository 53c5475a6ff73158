/**
 * The in-memory broker's implementation. Not API: may change without notice.
 */
package dev.keel.testkit.internal;
