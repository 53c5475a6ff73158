/**
 * JSON payloads through Jackson 3: {@link dev.keel.jackson.JsonCodec} is a {@link dev.keel.Codec} for any
 * type Jackson can bind. Only this module depends on Jackson, so an application that does not use
 * JSON does not carry it.
 */
package dev.keel.jackson;
