/**
 * The broker harness's local-process brokers. Not API: may change without notice.
 */
package dev.keel.testbrokers.internal.local;
