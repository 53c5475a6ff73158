/**
 * The broker contract. {@link dev.keel.testkit.contract.AdapterContract} is its one entry point: an adapter's
 * test subclasses it once, implements its hooks, and runs every area (the core suite
 * {@link dev.keel.testkit.contract.BrokerContractTest}, bad input, consumer failure, routing, and the optional
 * capabilities, each skipped naming the capability it needs) on its real broker. Each area class can also be
 * subclassed on its own, for a mode of the adapter that changes one area only. See docs/writing-an-adapter.md.
 */
package dev.keel.testkit.contract;
