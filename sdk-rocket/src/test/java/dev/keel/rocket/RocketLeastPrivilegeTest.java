package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PartitionRewind;
import dev.keel.ReplayResult;
import dev.keel.ReprocessException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.testbrokers.SecuredRocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The least ACLs of what {@link RocketAccessRefusedTest} leaves out, on the RocketMQ broker with ACL 2.0 of
 * {@link SecuredRocket}: transactional publishing (with a check-back), replay, and {@code deleteTopology}. For each,
 * a user with exactly the ACLs docs/security.md lists does it end to end, each message once; and a user without one
 * of them is refused at once with a non-retriable {@link AccessRefusedException} naming the user, the resource and
 * the action to grant, nothing committed, rewound or deleted half way. The topic and its group are declared, and
 * messages published and consumed, by the super user.
 */
@Tag("secured")
class RocketLeastPrivilegeTest {

    private static final String GROUP = "g";
    /** The prefix of the groups of the pull consumer that reads a reprocess's ids ({@code <clientId>-replay-reader-}). */
    private static final String READER_GROUPS = "keel-secured-replay-reader-";
    /**
     * Below the adapter's send and admin timeouts (10 s): a refusal must not be retried until they expire. Not 5 s: a
     * refused delete took 7.3 s once on a machine loaded 40.
     */
    private static final Duration FAST = Duration.ofSeconds(9);
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private final SecuredRocket rocket = SecuredRocket.local();
    private final String topic = "keel-least-" + UUID.randomUUID().toString().substring(0, 8);
    private final String user = "keel-user-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private final String rocketGroup = RocketAdapter.rocketGroupOf(GROUP, topic);
    private RocketAdapter admin;
    private Keel adminKeel;
    /** The super user's EFFECTIVELY_ONCE consumer of the reprocess tests, on their in-memory store. */
    private RocketAdapter eoAdmin;
    private Keel eoKeel;

    @BeforeEach
    void declare() {
        admin = new RocketAdapter(RocketAccessRefusedTest.config(rocket)
                .credentials(rocket.adminUser(), rocket.adminPassword()).build());
        adminKeel = Keel.builder(admin).withoutIdempotencyStore().build();
        adminKeel.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
        rocket.putUser(user, password);
    }

    @AfterEach
    void close() {
        try {
            rocket.removeUser(user);
        } finally {
            adminKeel.close();
            admin.close();
        }
    }

    // ---------------------------------------------------------------- transactional publishing

    /**
     * Only {@code Pub} on the topic: the half message, the outcome ({@code END_TRANSACTION}) and the answer to a
     * check-back all need {@code Pub} on the topic and nothing else; the producer group needs no ACL (the broker
     * checks none for a producer's heartbeat).
     */
    @Test
    void aTransactionalPublishAndItsCheckBackShouldNeedOnlyPubOnTheTopic() {
        rocket.allow(user, "Topic:" + topic, SecuredRocket.PUB);
        Map<String, Integer> got = consumeAsAdmin();
        Set<String> committedRows = ConcurrentHashMap.newKeySet();
        Set<String> checked = ConcurrentHashMap.newKeySet();
        try (RocketAdapter adapter = adapterAsUser();
             TransactionalPublisher publisher = adapter.transactionalPublisher("keel-tx-" + user, Set.of(topic),
                     half -> {
                         checked.add(half.id());
                         return committedRows.contains(half.id()) ? TransactionOutcome.COMMIT
                                 : TransactionOutcome.UNKNOWN;
                     })) {
            for (int i = 0; i < 3; i++) {
                TransactionReceipt receipt = publisher.publish(topic, message("tx-" + i), half -> {
                    committedRows.add(half.id());
                    return TransactionOutcome.COMMIT;
                });
                assertThat(receipt.outcome()).as("outcome of tx-%s", i).isEqualTo(TransactionOutcome.COMMIT);
            }
            // the outcome is left to the check-back, which the checker answers COMMIT (its END_TRANSACTION needs Pub)
            TransactionReceipt left = publisher.publish(topic, message("tx-checked"), half -> {
                committedRows.add(half.id());
                return TransactionOutcome.UNKNOWN;
            });
            assertThat(left.outcome()).isEqualTo(TransactionOutcome.UNKNOWN);
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(got).as("handled, the checker asked about %s",
                    checked).containsKeys("tx-0", "tx-1", "tx-2", "tx-checked"));
        }
        assertOnceEach(got, "tx-0", "tx-1", "tx-2", "tx-checked");
    }

    /**
     * {@link RocketCheckerCommitTest} with only {@code Pub} on the topic: a message the checker commits at a check-back
     * is delivered once, although the broker checks it back again before it ended the half message (a review's probe
     * saw up to four deliveries, one per such check-back answered {@code COMMIT}).
     */
    @Test
    void aMessageTheCheckerCommitsShouldBeDeliveredOnceWithOnlyPubOnTheTopic() {
        String single = topic + "-one";
        adminKeel.ensureTopology(TopicSpec.builder(single).partitions(1).group(GROUP).build());
        rocket.allow(user, "Topic:" + single, SecuredRocket.PUB);
        try (RocketAdapter adapter = adapterAsUser()) {
            RocketCheckerCommitTest.assertCheckerCommitsDeliveredOnce(adminKeel, single, GROUP,
                    checker -> adapter.transactionalPublisher("keel-tx-" + user, Set.of(single), checker));
        }
    }

    /** Without {@code Pub} on the topic: refused before the local transaction runs, nothing committed. */
    @Test
    void aTransactionalPublishWithoutPubShouldBeRefusedAtOnceWithoutRunningTheTransactionOrCommitting() {
        rocket.allow(user, "Topic:" + topic, SecuredRocket.SUB, SecuredRocket.GET);
        Map<String, Integer> got = consumeAsAdmin();
        AtomicBoolean ran = new AtomicBoolean();
        try (RocketAdapter adapter = adapterAsUser();
             TransactionalPublisher publisher = adapter.transactionalPublisher("keel-tx-" + user, Set.of(topic),
                     half -> TransactionOutcome.COMMIT)) {
            Throwable refused = timed(() -> publisher.publish(topic, message("refused"), half -> {
                ran.set(true);
                return TransactionOutcome.COMMIT;
            }));
            assertRefusal(refused, "Topic:" + topic, "Pub");
            assertThat(ran).as("the local transaction ran").isFalse();

            rocket.allow(user, "Topic:" + topic, SecuredRocket.PUB);
            assertThat(publisher.publish(topic, message("granted"), half -> TransactionOutcome.COMMIT).outcome())
                    .isEqualTo(TransactionOutcome.COMMIT);
            // the checker would commit anything it is asked about: the refused message was never a half message
            await().atMost(PATIENCE).until(() -> got.containsKey("granted"));
        }
        assertOnceEach(got, "granted");
        assertThat(got).as("the refused message was committed").doesNotContainKey("refused");
    }

    // ---------------------------------------------------------------- replay

    /**
     * {@code Get} and {@code Update} on the topic and the group: {@code Get} to read the group's members, its offsets
     * and the queues' offsets by time, {@code Update} (or {@code Sub}) to write the group's offsets.
     */
    @Test
    void aReplayShouldNeedGetAndUpdateOnTheTopicAndTheGroup() {
        Instant from = Instant.now().minusSeconds(1);
        List<String> published = publishAndConsume(6);
        rocket.allow(user, "Topic:" + topic, SecuredRocket.GET, SecuredRocket.UPDATE);
        rocket.allow(user, "Group:" + rocketGroup, SecuredRocket.GET, SecuredRocket.UPDATE);
        try (RocketAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertThat(keel.replay(topic, GROUP, from).messages()).as("messages rewound").isEqualTo(6);
        }
        Map<String, Integer> again = consumeAsAdmin();
        await().atMost(PATIENCE).until(() -> again.keySet().containsAll(published));
        assertOnceEach(again, published.toArray(String[]::new));
    }

    /** Without {@code Update} (nor {@code Sub}) on the group: planned, then refused at the first offset, none moved. */
    @Test
    void aReplayWithoutUpdateOnTheGroupShouldBeRefusedAtOnceAndMoveNoOffset() {
        Instant from = Instant.now().minusSeconds(1);
        publishAndConsume(6);
        List<PartitionRewind> before = admin.planRewind(topic, GROUP, from);
        rocket.allow(user, "Topic:" + topic, SecuredRocket.GET, SecuredRocket.UPDATE);
        rocket.allow(user, "Group:" + rocketGroup, SecuredRocket.GET);
        try (RocketAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertRefusal(timed(() -> keel.replay(topic, GROUP, from)), "Group:" + rocketGroup, "Update");
        }
        assertThat(admin.planRewind(topic, GROUP, from)).as("the group's offsets").isEqualTo(before);
        Map<String, Integer> after = consumeAsAdmin();
        adminKeel.publisher(topic, Codec.utf8()).message("marker").key("k").publish();
        await().atMost(PATIENCE).until(() -> after.containsKey("marker"));
        assertThat(after).as("consumed again").containsOnlyKeys("marker");
    }

    // ---------------------------------------------------------------- reprocess

    /**
     * A replay's ACLs, and {@code Sub} on the topic and on the groups of the pull consumer that reads the range's ids
     * ({@code <clientId>-replay-reader-}, a new suffix each time, so granted as a prefix): the group's done marks of
     * the range are forgotten, the group rewound, and each message runs again, once.
     */
    @Test
    void aReprocessShouldNeedTheReplaysAclsAndSubOnTheTopicAndOnTheReaderGroups() {
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
        Instant from = Instant.now().minusSeconds(1);
        List<String> published = publishAndConsumeEffectivelyOnce(6, store);
        grantReplayAndSubOnTheTopic();
        rocket.allow(user, "Group:" + READER_GROUPS + "*", SecuredRocket.SUB);
        try (RocketAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            ReplayResult result = keel.reprocess(topic, GROUP, from);
            assertThat(result.forgotten()).as("done marks forgotten").isEqualTo(6);
            assertThat(result.messages()).as("messages rewound").isEqualTo(6);
        }
        Map<String, Integer> again = consumeEffectivelyOnce(store);
        await().atMost(PATIENCE).until(() -> again.keySet().containsAll(published));
        assertOnceEach(again, published.toArray(String[]::new));
    }

    /**
     * With {@code Delete} as well as {@code Sub} on the reader groups, the reprocess deletes its reader's group and the
     * {@code %RETRY%} topic the broker made for it (new on each run: one of each was left per reprocess). Without
     * {@code Delete} (the test above) the reprocess succeeds and leaves them, logged.
     */
    @Test
    void aReprocessWithDeleteOnTheReaderGroupsShouldLeaveNoGroupOfItsReaderBehind() throws Exception {
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
        Instant from = Instant.now().minusSeconds(1);
        publishAndConsumeEffectivelyOnce(2, store);
        grantReplayAndSubOnTheTopic();
        rocket.allow(user, "Group:" + READER_GROUPS + "*", SecuredRocket.SUB, "Delete");
        Set<String> before = new HashSet<>(readerGroupsAndTopics());
        try (RocketAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            assertThat(keel.reprocess(topic, GROUP, from).forgotten()).as("done marks forgotten").isEqualTo(2);
        }
        assertThat(readerGroupsAndTopics()).as("reader groups and their topics").isSubsetOf(before);
    }

    /**
     * Without {@code Sub} on the reader groups: refused at once, naming them as a prefix to grant, before any done
     * mark is forgotten or any offset moved; the group then reads only what is new, and its handled messages stay
     * duplicates.
     */
    @Test
    void aReprocessWithoutSubOnTheReaderGroupsShouldBeRefusedAtOnceForgettingAndRewindingNothing() {
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
        Instant from = Instant.now().minusSeconds(1);
        publishAndConsumeEffectivelyOnce(6, store);
        List<PartitionRewind> before = admin.planRewind(topic, GROUP, from);
        grantReplayAndSubOnTheTopic();
        try (RocketAdapter adapter = adapterAsUser();
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            Throwable failed = timed(() -> keel.reprocess(topic, GROUP, from));
            assertThat(failed).isInstanceOf(ReprocessException.class)
                    .hasMessageContaining("no done mark was forgotten").hasMessageContaining("not rewound")
                    .hasMessageContaining("grant what the refusal names");
            assertThat(((ReprocessException) failed).isRetriable()).as("retriable").isFalse();
            assertRefusal(failed.getCause(), "Group:" + READER_GROUPS, "Sub");
            assertThat(failed.getCause()).hasMessageContaining("-r Group:" + READER_GROUPS + "* -a Sub");
        }
        assertThat(admin.planRewind(topic, GROUP, from)).as("the group's offsets").isEqualTo(before);
        Map<String, Integer> after = consumeEffectivelyOnce(store);
        adminKeel.publisher(topic, Codec.utf8()).message("marker").key("k").publish();
        await().atMost(PATIENCE).until(() -> after.containsKey("marker"));
        assertThat(after).as("consumed again").containsOnlyKeys("marker");
    }

    /** One grant per resource: a second {@code allow} on the same resource replaces the first's actions. */
    private void grantReplayAndSubOnTheTopic() {
        rocket.allow(user, "Topic:" + topic, SecuredRocket.GET, SecuredRocket.UPDATE, SecuredRocket.SUB);
        rocket.allow(user, "Group:" + rocketGroup, SecuredRocket.GET, SecuredRocket.UPDATE);
    }

    /**
     * Publishes {@code count} messages as the super user and handles them as {@link #GROUP} under EFFECTIVELY_ONCE
     * with {@code store}, so each is marked done there; offsets committed.
     */
    private List<String> publishAndConsumeEffectivelyOnce(int count, InMemoryIdempotencyStore store) {
        List<String> published = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            published.add("m-" + i);
            adminKeel.publisher(topic, Codec.utf8()).message("m-" + i).key("k" + i).publish();
        }
        Map<String, Integer> got = consumeEffectivelyOnce(store);
        await().atMost(PATIENCE).until(() -> got.keySet().containsAll(published));
        closeEffectivelyOnce(); // writes the offsets and leaves the group
        return published;
    }

    /** Each payload the super user's EFFECTIVELY_ONCE subscription of {@link #GROUP} on {@code store} handles. */
    private Map<String, Integer> consumeEffectivelyOnce(InMemoryIdempotencyStore store) {
        closeEffectivelyOnce();
        eoAdmin = new RocketAdapter(RocketAccessRefusedTest.config(rocket)
                .credentials(rocket.adminUser(), rocket.adminPassword()).build());
        eoKeel = Keel.builder(eoAdmin).idempotencyStore(store).build();
        Map<String, Integer> got = new ConcurrentHashMap<>();
        eoKeel.subscribe(SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).closeTimeout(Duration.ofSeconds(10)).build(),
                d -> got.merge(d.payload(), 1, Integer::sum));
        return got;
    }

    @AfterEach
    void closeEffectivelyOnce() {
        if (eoKeel != null) {
            eoKeel.close();
            eoAdmin.close();
            eoKeel = null;
            eoAdmin = null;
        }
    }

    // ---------------------------------------------------------------- deleteTopology

    /**
     * {@code Get} and {@code Delete} on the topic (which groups consumed it, then the topic), {@code Delete} on
     * Keel's groups of it.
     */
    @Test
    void aDeleteTopologyShouldNeedGetAndDeleteOnTheTopicAndDeleteOnTheGroup() throws Exception {
        publishAndConsume(2);
        // the group's retry topic, made by the broker when the group consumed, is deleted too (Delete on the group)
        await().atMost(PATIENCE).until(() -> topicsNamingTheGroup().contains(MixAll.getRetryTopic(rocketGroup)));
        rocket.allow(user, "Topic:" + topic, SecuredRocket.GET, "Delete");
        rocket.allow(user, "Group:" + rocketGroup, "Delete");
        try (RocketAdapter adapter = adapterAsUser()) {
            adapter.deleteTopology(topic);
        }
        assertThat(admin.describeTopology(topic)).as("the topic").isEmpty();
        assertThat(groupExists()).as("Keel's group of the topic").isFalse();
        assertThat(topicsNamingTheGroup()).as("topics naming Keel's group of the topic").isEmpty();
    }

    /** Without {@code Delete} on the topic: refused, and the topic and its group, with its offsets, stay. */
    @Test
    void aDeleteTopologyWithoutDeleteOnTheTopicShouldBeRefusedAndLeaveTheTopologyAsItWas() throws Exception {
        publishAndConsume(4);
        rocket.allow(user, "Topic:" + topic, SecuredRocket.GET);
        rocket.allow(user, "Group:" + rocketGroup, "Delete");
        try (RocketAdapter adapter = adapterAsUser()) {
            assertRefusal(timed(() -> adapter.deleteTopology(topic)), "Topic:" + topic, "Delete");
        }
        assertThat(admin.describeTopology(topic)).as("the topic").isPresent();
        assertThat(groupExists()).as("Keel's group of the topic").isTrue();
        // the group still has its offsets: it does not read the four messages again
        Map<String, Integer> after = consumeAsAdmin();
        adminKeel.publisher(topic, Codec.utf8()).message("marker").key("k").publish();
        await().atMost(PATIENCE).until(() -> after.containsKey("marker"));
        assertThat(after).as("consumed again").containsOnlyKeys("marker");
    }

    /** Without {@code Delete} on the group: refused naming the group (the group is not left behind silently). */
    @Test
    void aDeleteTopologyWithoutDeleteOnTheGroupShouldBeRefusedNamingTheGroup() throws Exception {
        publishAndConsume(2);
        rocket.allow(user, "Topic:" + topic, SecuredRocket.GET, "Delete");
        try (RocketAdapter adapter = adapterAsUser()) {
            assertRefusal(timed(() -> adapter.deleteTopology(topic)), "Group:" + rocketGroup, "Delete");
        }
        assertThat(groupExists()).as("Keel's group of the topic").isTrue();
    }

    // ---------------------------------------------------------------- declare, publish, consume

    /**
     * {@link RocketAccessRefusedTest#grant}'s ACLs without {@code Update} and {@code Get}: declaring (twice, as each
     * start of an application does), publishing, consuming, retrying, delaying and dead-lettering work without them.
     */
    @Test
    void declarePublishAndConsumeShouldNeedNeitherUpdateNorGet() {
        String fresh = "keel-least-" + UUID.randomUUID().toString().substring(0, 8);
        rocket.allow(user, "Topic:" + fresh + "*", SecuredRocket.PUB, SecuredRocket.SUB, SecuredRocket.CREATE);
        rocket.allow(user, "Group:" + GROUP + "_" + fresh + "*", SecuredRocket.SUB, SecuredRocket.CREATE);
        RocketAccessRefusedTest.declarePublishConsumeRetryDelayAndDeadLetter(adapterAsUser(), fresh);
        try (RocketAdapter again = adapterAsUser()) {
            again.ensureTopology(TopicSpec.builder(fresh).partitions(2).group(GROUP).build());
        }
    }

    // ---------------------------------------------------------------- helpers

    private RocketAdapter adapterAsUser() {
        return new RocketAdapter(RocketAccessRefusedTest.config(rocket).credentials(user, password).build());
    }

    private static Message message(String payload) {
        return Message.builder(payload, Codec.utf8()).id(payload + "-" + UUID.randomUUID()).key(payload).build();
    }

    /** Each payload the super user's subscription of {@link #GROUP} handles, with how many times it did. */
    private Map<String, Integer> consumeAsAdmin() {
        Map<String, Integer> got = new ConcurrentHashMap<>();
        adminKeel.subscribe(subscription(), d -> got.merge(d.payload(), 1, Integer::sum));
        return got;
    }

    /** Publishes {@code count} messages as the super user and consumes them as {@link #GROUP}, offsets committed. */
    private List<String> publishAndConsume(int count) {
        List<String> published = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            published.add("m-" + i);
            adminKeel.publisher(topic, Codec.utf8()).message("m-" + i).key("k" + i).publish();
        }
        Set<String> got = ConcurrentHashMap.newKeySet();
        Subscription subscription = adminKeel.subscribe(subscription(), d -> got.add(d.payload()));
        await().atMost(PATIENCE).until(() -> got.containsAll(published));
        subscription.close(); // writes the offsets and leaves the group
        return published;
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }

    private static void assertOnceEach(Map<String, Integer> got, String... payloads) {
        Map<String, Integer> once = List.of(payloads).stream().collect(Collectors.toMap(Function.identity(),
                p -> 1));
        assertThat(got).as("times each message was handled").isEqualTo(once);
    }

    /** What {@code call} threw, failing if it took longer than {@link #FAST} (a refusal retried until a timeout). */
    private static Throwable timed(ThrowingCallable call) {
        long start = System.nanoTime();
        Throwable thrown = catchThrowable(call);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time to fail").isLessThan(FAST);
        return thrown;
    }

    private void assertRefusal(Throwable refused, String resource, String action) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class).hasMessageNotContaining(password)
                .hasMessageContaining("User:" + user).hasMessageContaining(action + " on " + resource);
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    /** RocketMQ's admin tools as the harness's admin user, started; the caller shuts them down. */
    private DefaultMQAdminExt adminTools() throws Exception {
        DefaultMQAdminExt tools = new DefaultMQAdminExt(new AclClientRPCHook(new SessionCredentials(
                rocket.adminUser(), rocket.adminPassword())), 10_000);
        tools.setNamesrvAddr(rocket.nameServer());
        tools.setInstanceName("keel-least-tools-" + UUID.randomUUID().toString().substring(0, 8));
        tools.start();
        return tools;
    }

    /** The groups of each master and the topics of each master and the name server naming {@link #READER_GROUPS}. */
    private List<String> readerGroupsAndTopics() throws Exception {
        DefaultMQAdminExt tools = adminTools();
        try {
            List<String> found = new ArrayList<>(tools.fetchAllTopicList().getTopicList());
            for (BrokerData broker : tools.examineBrokerClusterInfo().getBrokerAddrTable().values()) {
                String master = broker.getBrokerAddrs().get(MixAll.MASTER_ID);
                found.addAll(tools.getAllSubscriptionGroup(master, 10_000).getSubscriptionGroupTable().keySet());
                found.addAll(tools.getAllTopicConfig(master, 10_000).getTopicConfigTable().keySet());
            }
            return found.stream().filter(name -> name.contains(READER_GROUPS)).toList();
        } finally {
            tools.shutdown();
        }
    }

    /** The topics the name server lists whose name contains {@link #rocketGroup}. */
    private List<String> topicsNamingTheGroup() throws Exception {
        DefaultMQAdminExt tools = adminTools();
        try {
            return tools.fetchAllTopicList().getTopicList().stream().filter(t -> t.contains(rocketGroup)).toList();
        } finally {
            tools.shutdown();
        }
    }

    private boolean groupExists() throws Exception {
        DefaultMQAdminExt tools = adminTools();
        try {
            for (BrokerData broker : tools.examineBrokerClusterInfo().getBrokerAddrTable().values()) {
                try {
                    if (tools.examineSubscriptionGroupConfig(broker.getBrokerAddrs().get(MixAll.MASTER_ID),
                            rocketGroup) == null) {
                        return false;
                    }
                } catch (Exception notFound) {
                    return false;
                }
            }
            return true;
        } finally {
            tools.shutdown();
        }
    }
}
