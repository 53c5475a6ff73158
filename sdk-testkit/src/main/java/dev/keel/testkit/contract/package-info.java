/**
 * The broker contract: {@link dev.keel.testkit.contract.BrokerContractTest} holds the tests every adapter
 * must pass on its real broker (ordering, crashes, outages, rebalances, dead letters); an adapter's
 * test subclasses it and implements the hooks of
 * {@link dev.keel.testkit.contract.BrokerContractSupport}.
 */
package dev.keel.testkit.contract;
