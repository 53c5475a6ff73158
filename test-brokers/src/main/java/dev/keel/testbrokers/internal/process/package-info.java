/**
 * The broker harness's child-process management. Not API: may change without notice.
 */
package dev.keel.testbrokers.internal.process;
