package dev.keel.testbrokers.internal.local;

import java.util.ArrayList;
import java.util.List;

/** A parsed {@code CLUSTER NODES} reply: which node is master or replica of whom, and which slots it serves. */
record ClusterView(List<Node> nodes) {

    record Node(String id, int port, boolean master, boolean failed, String masterId, List<int[]> slots) {
        boolean isLiveMaster() {
            return master && !failed;
        }

        boolean serves(int slot) {
            for (int[] range : slots) {
                if (slot >= range[0] && slot <= range[1]) {
                    return true;
                }
            }
            return false;
        }
    }

    static ClusterView parse(String reply) {
        List<Node> nodes = new ArrayList<>();
        for (String line : reply.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            String address = f[1].split("@")[0];
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            String flags = f[2];
            List<int[]> slots = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // a slot being migrated
                }
                String[] range = f[i].split("-");
                int from = Integer.parseInt(range[0]);
                slots.add(new int[] {from, range.length > 1 ? Integer.parseInt(range[1]) : from});
            }
            nodes.add(new Node(f[0], port, flags.contains("master"), flags.contains("fail"), f[3], slots));
        }
        return new ClusterView(nodes);
    }

    String idOf(int port) {
        return nodes.stream().filter(n -> n.port() == port).findFirst().map(Node::id)
                .orElseThrow(() -> new IllegalStateException("no node on port " + port));
    }
}
