/**
 * {@code keel verify}: checks Keel's guarantees (nothing lost, nothing applied twice, per-key order,
 * dead letters) under injected crashes and poison messages. Part of the command line, not API.
 */
package dev.keel.cli.verify;
