/**
 * The harness's TLS material: a certificate authority, server and client certificates made with the JDK's
 * {@code keytool} at run time. Not API: may change without notice.
 */
package dev.keel.testbrokers.internal.tls;
