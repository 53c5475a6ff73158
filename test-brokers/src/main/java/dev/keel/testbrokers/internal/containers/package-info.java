/**
 * The broker harness's Testcontainers origin. Not API: may change without notice.
 */
package dev.keel.testbrokers.internal.containers;
