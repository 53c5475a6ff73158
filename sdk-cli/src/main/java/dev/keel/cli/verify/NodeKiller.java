package dev.keel.cli.verify;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One round's node kill: once {@link #trigger()}ed (by the publisher, after {@code --kill-at} of its
 * publishes), it runs the node's kill command, keeps it down for {@code --down-for}, then runs its
 * start command. The publisher waits in {@link #awaitKilled()} so the rest of the round is published
 * while the node is down. {@link #finish()} waits for the start command and returns the outage.
 */
final class NodeKiller {

    private final NodeControl node;
    private final NodeKillSettings settings;
    private final long roundStart;
    private final CountDownLatch triggered = new CountDownLatch(1);
    private final CountDownLatch killed = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long killedAt = -1;
    private volatile long startedAt = -1;
    private volatile NodeCommand.Result kill;
    private volatile NodeCommand.Result start;

    NodeKiller(NodeControl node, NodeKillSettings settings, long roundStart) {
        this.node = node;
        this.settings = settings;
        this.roundStart = roundStart;
        this.thread = new Thread(this::cycle, "keel-verify-kill-" + node.name());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    NodeControl node() {
        return node;
    }

    void trigger() {
        triggered.countDown();
    }

    /** Waits until the kill command returned (or failed); bounded by {@code --control-timeout}. */
    void awaitKilled() {
        try {
            killed.await(settings.controlTimeout().toNanos() + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void cycle() {
        try {
            while (!stopping && !triggered.await(50, TimeUnit.MILLISECONDS)) {
                // waiting for the publisher
            }
            if (triggered.getCount() > 0) {
                return;
            }
            kill = NodeCommand.run(node, NodeControl.KILL, settings.controlTimeout());
            killedAt = System.nanoTime();
            killed.countDown();
            if (!kill.succeeded()) {
                // the node may be down all the same (a kill that hung): try to start it again
                start = NodeCommand.run(node, NodeControl.START, settings.controlTimeout());
                return;
            }
            // the outage the user asked for: a wait that schedules the start, not one that checks anything
            TimeUnit.NANOSECONDS.sleep(settings.downFor().toNanos());
            startedAt = System.nanoTime();
            start = NodeCommand.run(node, NodeControl.START, settings.controlTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            killed.countDown();
        }
    }

    /** Waits for the start command (the node is up again, or its start failed) and returns the outage. */
    NodeOutage finish() {
        stopping = true;
        try {
            thread.join(settings.downFor().plus(settings.controlTimeout().multipliedBy(2)).plusSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Duration killedAfter = killedAt < 0 ? null : Duration.ofNanos(killedAt - roundStart);
        Duration down = killedAt < 0 || startedAt < 0 ? null : Duration.ofNanos(startedAt - killedAt);
        return new NodeOutage(node.name(), killedAfter, kill, down, start);
    }
}
