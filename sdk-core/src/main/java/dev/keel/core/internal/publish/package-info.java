/** The publish pipeline behind the shared publisher. Not API. */
package dev.keel.core.internal.publish;
