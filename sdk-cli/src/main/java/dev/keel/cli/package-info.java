/**
 * The {@code keel} command line ({@link dev.keel.cli.KeelCli}) and what its commands share: exit codes,
 * environment errors, metric counting and text tables. An application, not a library: nothing here is
 * API, and it may change without notice.
 */
package dev.keel.cli;
