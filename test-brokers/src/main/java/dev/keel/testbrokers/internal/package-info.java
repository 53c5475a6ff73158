/**
 * The broker harness's implementation. Not API: may change without notice.
 */
package dev.keel.testbrokers.internal;
