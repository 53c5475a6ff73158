/** Small helpers of the engine that know nothing of messages: completion stages, group-commit batching, time-ordered ids, the guard of the application's extensions. Not API. */
package dev.keel.core.internal.util;
