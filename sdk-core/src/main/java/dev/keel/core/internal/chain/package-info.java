/** The handling chain of a subscription: one received message (Work), the Step interface and the steps that make up the chain, in the order Chains builds them. Not API. */
package dev.keel.core.internal.chain;
