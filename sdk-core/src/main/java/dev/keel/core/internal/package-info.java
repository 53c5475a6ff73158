/**
 * The engine behind {@code dev.keel.core.Keel}. Not API: may change without notice.
 */
package dev.keel.core.internal;
