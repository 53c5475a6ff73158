package dev.keel.cli.verify;

/**
 * One round as the guarantee check sees it: its messages, faults and what the broker confirmed.
 *
 * @param number        the round (1 first)
 * @param idPrefix      every id of the round starts with it
 * @param keyPrefix     every key of the round starts with it
 * @param plan          the messages published
 * @param faults        the faults planned
 * @param outcome       what the broker confirmed
 * @param brokerCut     whether the broker's connection was cut during the round (publishes may fail then)
 */
record RoundData(int number, String idPrefix, String keyPrefix, PublishPlan plan, FaultPlan faults,
                 PublishOutcome outcome, boolean brokerCut) {

    boolean owns(String id) {
        return id.startsWith(idPrefix);
    }

    boolean ownsKey(String key) {
        return key.startsWith(keyPrefix);
    }
}
