/**
 * Test SPI: hooks that test tooling (sdk-testkit, {@code keel verify}) uses to make the engine
 * misbehave on purpose. Applications do not call these; tests use the user-facing helpers of
 * sdk-testkit ({@code dev.keel.testkit.Crash}). Stable like the rest of the SPI.
 */
package dev.keel.core.testing;
