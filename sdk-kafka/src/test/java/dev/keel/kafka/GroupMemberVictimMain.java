package dev.keel.kafka;

import java.time.Duration;
import java.util.Set;

/**
 * A plain member of a consumer group, meant to be killed with kill -9 once the group gave it every partition of the
 * topic: killed, it holds them until its session timeout ends its membership, as a reader of dead letters killed in
 * the middle of a re-drive does. Cooperative-sticky, as Keel's consumers are; commits nothing.
 *
 * <p>Arguments: bootstrap servers, topic, group, session timeout in milliseconds.
 */
public final class GroupMemberVictimMain {

    private GroupMemberVictimMain() {
    }

    public static void main(String[] args) {
        try (var member = KafkaTestSupport.plainMember(args[0], args[2],
                java.util.Map.of("session.timeout.ms", args[3]))) {
            member.subscribe(Set.of(args[1]));
            int partitions = member.partitionsFor(args[1]).size();
            while (member.assignment().size() < partitions) {
                member.poll(Duration.ofMillis(100));
            }
            System.out.println("assigned " + member.assignment().size());
            while (true) {
                member.poll(Duration.ofMillis(100)); // fetches, never commits: the group keeps its committed offsets
            }
        }
    }
}
