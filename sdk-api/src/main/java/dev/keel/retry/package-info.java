/**
 * Retries and dead letters: how often a failing handler is tried and how long Keel waits between tries
 * ({@link dev.keel.retry.RetryPolicy}), and where a message goes once it failed its last attempt or
 * could not be decoded ({@link dev.keel.retry.DeadLetterPolicy}).
 */
package dev.keel.retry;
