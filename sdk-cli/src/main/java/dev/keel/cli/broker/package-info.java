/**
 * The {@code --broker} choices of the command line: how each broker is reached and checked, and how its
 * Keel adapter and raw-client baselines are built. Part of the command line, not API.
 */
package dev.keel.cli.broker;
