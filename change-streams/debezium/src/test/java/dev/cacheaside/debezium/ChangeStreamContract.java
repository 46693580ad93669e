package dev.cacheaside.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.lettuce.LettuceCacheStore;
import dev.cacheaside.lettuce.LettuceStoreOptions;
import dev.cacheaside.spi.SqlDialect;
import dev.cacheaside.testing.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a change stream must do against a real database, whoever writes: every test uses its own
 * schema or database, tables, slot and cache key prefix (random per run), so it never meets
 * another test run on the same servers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ChangeStreamContract {

    /** The cache's invalidation timeout (one invalidation, both attempts). */
    static final Duration INVALIDATION_TIMEOUT = Duration.ofSeconds(2);
    /** Debezium's queue poll interval. */
    static final Duration POLL = DebeziumSourceOptions.DEFAULT_POLL_INTERVAL;
    /**
     * The bound a committed write must be visible within while a consumer streams: the poll
     * interval, one invalidation (its timeout), and 3 s for the server's replication sender and
     * the engine's threads to be scheduled on a host whose CPUs are saturated on purpose.
     */
    static final Duration LAG_BOUND = POLL.plus(INVALIDATION_TIMEOUT).plus(Duration.ofSeconds(3));
    /** How long a consumer's source may take to start (connect, check, start the engine) under load. */
    static final Duration START_BOUND = Duration.ofSeconds(30);
    /**
     * How long a new leader may take, once it holds the lease, until a write reaches the cache: its
     * engine's start (connect, check, read the stored position: 4 s allowance under load), one
     * retry of a slot the server has not freed yet (PostgreSQL), and the lag bound. Debezium's
     * default slot retry (10 s) exceeds it.
     */
    static final Duration RESUME_BOUND = Duration.ofSeconds(4).plus(DebeziumChangeSource.SLOT_RETRY_DELAY).plus(LAG_BOUND);
    static final Duration LEASE_TTL = Duration.ofSeconds(3);

    final String run = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    final String namespace = "cacheaside_cdc_" + run;
    final List<AutoCloseable> closeables = new ArrayList<>();
    String redis;
    /** The current test's number: its lease key is its own, so a lease a previous test left never meets it. */
    int test;

    /** The database this contract runs against. */
    abstract DebeziumSourceOptions.Database database();

    abstract int defaultPort();

    abstract SqlDialect dialect();

    /** A JDBC URL of the database as an administrator, {@code inNamespace} inside the test's schema or database. */
    abstract String adminUrl(boolean inNamespace);

    /** Creates the test's schema or database (empty). */
    abstract void createNamespace(Statement s) throws SQLException;

    /** Drops the test's schema or database and what the source made (slot, publication). */
    abstract void dropNamespace(Statement s) throws SQLException;

    /** Makes the stored position unusable as a gap would (PostgreSQL: the slot dropped; MariaDB: a purged binlog). */
    abstract void makeGap(Statement s) throws SQLException;

    abstract DebeziumSourceOptions.Builder sourceOptions();

    String table(String name) {
        return database() == DebeziumSourceOptions.Database.POSTGRESQL ? namespace + "." + name : name;
    }

    @BeforeAll
    void servers() throws SQLException {
        String db = database() == DebeziumSourceOptions.Database.POSTGRESQL ? "POSTGRES" : "MARIADB";
        TestServers.require(db, defaultPort());
        redis = TestServers.require("REDIS", 6379);
        try (Connection c = DriverManager.getConnection(adminUrl(false), user(), ""); Statement s = c.createStatement()) {
            createNamespace(s);
        }
        try (Connection c = DriverManager.getConnection(adminUrl(true), user(), ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table("cdc_item") + " (id INT PRIMARY KEY, v BIGINT NOT NULL)");
            s.execute("CREATE TABLE " + table("cdc_other") + " (id INT PRIMARY KEY, v BIGINT NOT NULL)");
            for (int i = 0; i < 10; i++) {
                s.execute("INSERT INTO " + table("cdc_item") + " VALUES (" + i + ", 0)");
            }
            s.execute("INSERT INTO " + table("cdc_other") + " VALUES (1, 42)");
        }
    }

    @AfterAll
    void drop() throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl(false), user(), ""); Statement s = c.createStatement()) {
            dropNamespace(s);
        }
    }

    String user() {
        return database() == DebeziumSourceOptions.Database.POSTGRESQL ? "postgres" : "root";
    }

    @BeforeEach
    void fresh() throws SQLException {
        // every test starts without a stored position and without a slot
        try (Connection c = DriverManager.getConnection(adminUrl(true), user(), ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + table(DebeziumSourceOptions.DEFAULT_OFFSETS_TABLE)
                    + " (id CHAR(64) PRIMARY KEY, name VARCHAR(190) NOT NULL, k TEXT NOT NULL, v TEXT)");
            s.execute("DELETE FROM " + table(DebeziumSourceOptions.DEFAULT_OFFSETS_TABLE));
            makeGap(s);
        }
        test++;
    }

    String leaseKey() {
        return "cdc-it-" + run + ":leader:" + test;
    }

    /** What a failure message says about a consumer: whether it led throughout, restarted, failed. */
    static String state(ChangeStreamConsumer c) {
        return "consumer " + c.status() + ", leaderships " + c.leaderships() + ", lease lapses " + c.leaseLapses()
                + ", source failures " + c.sourceFailures() + ", last error " + c.lastError();
    }

    @AfterEach
    void close() throws Exception {
        Collections.reverse(closeables);
        for (AutoCloseable c : closeables) {
            c.close();
        }
        closeables.clear();
    }

    CacheAside instance() {
        String[] hp = redis.split(":");
        LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .standalone(hp[0], Integer.parseInt(hp[1])).commandTimeout(Duration.ofSeconds(1)).build());
        CacheAside cache = CacheAside.builder()
                .database(new JdbcQueryExecutor(adminUrl(true), user(), dialect()))
                .cache(store)
                .options(CacheAsideOptions.builder().keyPrefix("cdc-it-" + run + ":").defaultTtl(Duration.ofMinutes(5))
                        .invalidationTimeout(INVALIDATION_TIMEOUT).cacheTimeout(Duration.ofSeconds(1)).build())
                .build();
        cache.connect(Duration.ofSeconds(10)).block();
        closeables.add(cache);
        return cache;
    }

    ChangeStreamConsumer consumer(CacheAside cache) {
        LettuceCacheStore leaseStore = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .standalone(redis.split(":")[0], Integer.parseInt(redis.split(":")[1])).commandTimeout(Duration.ofSeconds(1)).build());
        closeables.add(leaseStore);
        ChangeStreamConsumer consumer = ChangeStreamConsumer.builder()
                .source(DebeziumChangeSource.create(sourceOptions().build()))
                .sink(cache.changeSink())
                .leaseStore(leaseStore)
                .leaseKey(leaseKey())
                .leaseTtl(LEASE_TTL)
                .build();
        closeables.add(consumer);
        return consumer;
    }

    Connection writer() throws SQLException {
        Connection c = DriverManager.getConnection(adminUrl(true), user(), "");
        c.setAutoCommit(true);
        return c;
    }

    long itemThroughCache(CacheAside cache, int id) {
        return (Long) cache.query("SELECT v FROM " + table("cdc_item") + " WHERE id = ?", id).block().rows().get(0, 0);
    }

    QueryResult other(CacheAside cache) {
        return cache.query("SELECT v FROM " + table("cdc_other") + " WHERE id = 1").block();
    }

    static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        StreamProbe.await(what, within, condition);
    }

    static void probe(String what, CacheAside cache, String table, Connection w, Duration within) throws Exception {
        StreamProbe.probe(what, cache, table, w, within);
    }

    /** Waits until the consumer streams: a write committed now reaches the cache. */
    void awaitStreaming(CacheAside cache, ChangeStreamConsumer consumer, Connection w, boolean expectConservative)
            throws Exception {
        awaitStreaming(cache, consumer, w, expectConservative, START_BOUND);
    }

    /** The same, the probe's write reaching the cache within {@code within}. */
    void awaitStreaming(CacheAside cache, ChangeStreamConsumer consumer, Connection w, boolean expectConservative,
            Duration within) throws Exception {
        long conservative = consumer.conservativeInvalidations();
        await("the consumer leads", START_BOUND, () -> consumer.status() == ChangeStreamConsumer.Status.RUNNING);
        if (conservative == 0 && expectConservative) {
            // the probe below must be answered by the stream, not by the start's conservative invalidation
            await("the start's conservative invalidation", START_BOUND, () -> consumer.conservativeInvalidations() > 0);
        }
        probe("the first change streams", cache, table("cdc_item"), w, within);
    }

    /** A client of the lease's store, for a test that makes the lease lapse. */
    LettuceCacheStore leaseAdmin() {
        LettuceCacheStore store = LettuceCacheStore.create(LettuceStoreOptions.builder()
                .standalone(redis.split(":")[0], Integer.parseInt(redis.split(":")[1])).commandTimeout(Duration.ofSeconds(1)).build());
        closeables.add(store);
        return store;
    }

    @Test
    void anOutsideWriteMakesEveryDependentQueryAMissAndLeavesOthersCached() throws Exception {
        CacheAside cache = instance();
        LettuceCacheStore leaseAdmin = leaseAdmin();
        ChangeStreamConsumer consumer = consumer(cache).start();
        int writes = Integer.getInteger("cdc.lagWrites", 300);
        List<Long> lagsMicros = new ArrayList<>(writes);
        try (Connection w = writer();
                PreparedStatement update = w.prepareStatement("UPDATE " + table("cdc_item") + " SET v = ? WHERE id = ?")) {
            awaitStreaming(cache, consumer, w, true);
            assertThat(consumer.conservativeInvalidations()).as("a first start invalidates every watched table once").isEqualTo(1);
            other(cache);
            assertThat(other(cache).source()).as("the independent query is cached").isEqualTo(Source.CACHE_HIT);
            for (int i = 1; i <= writes; i++) {
                if (i == writes / 2) {
                    // halfway, the lease lapses as if the leader's renewals had come too late: it must take
                    // it again without restarting its source, so the writes after it keep the lag bound
                    // (false only when a lapse under load got there first: counted the same)
                    leaseAdmin.delete(leaseKey()).block();
                }
                int id = i % 8;
                itemThroughCache(cache, id);
                update.setLong(1, i);
                update.setInt(2, id);
                update.executeUpdate();
                long committed = System.nanoTime();
                long seen;
                while (true) {
                    long v = itemThroughCache(cache, id);
                    seen = System.nanoTime();
                    if (v == i) {
                        break;
                    }
                    int write = i;
                    assertThat(Duration.ofNanos(seen - committed))
                            .as(() -> "write " + write + " (row " + id + ") visible within the lag bound; the cache answers "
                                    + v + "; " + state(consumer))
                            .isLessThanOrEqualTo(LAG_BOUND);
                    Thread.onSpinWait();
                }
                lagsMicros.add((seen - committed) / 1_000);
                if (i % 50 == 0) {
                    assertThat(other(cache).source()).as("the independent query stays cached after write %d", i)
                            .isEqualTo(Source.CACHE_HIT);
                }
            }
        }
        Collections.sort(lagsMicros);
        System.out.printf(Locale.ROOT, "[cdc] %s lag commit -> dependent query answers the new value, %d writes:"
                        + " p50 %.1f ms, p99 %.1f ms, max %.1f ms (measured)%n", database(), writes,
                lagsMicros.get(writes / 2) / 1000.0, lagsMicros.get((int) Math.ceil(writes * 0.99) - 1) / 1000.0,
                lagsMicros.get(writes - 1) / 1000.0);
        assertThat(consumer.sourceFailures()).as("the source never failed").isZero();
        assertThat(consumer.leaseLapses()).as("the lapsed lease was taken again in place (%s)", state(consumer))
                .isGreaterThanOrEqualTo(1);
        assertThat(consumer.leaderships()).as("the consumer led throughout (%s)", state(consumer)).isEqualTo(1);
    }

    @Test
    void aRestartResumesFromTheStoredPositionAndAGapInvalidatesEverything() throws Exception {
        CacheAside cache = instance();
        ChangeStreamConsumer first = consumer(cache).start();
        try (Connection w = writer(); Connection admin = writer(); Statement s = admin.createStatement()) {
            awaitStreaming(cache, first, w, true);
            first.close();
            assertThat(first.status()).as("a closed consumer says so").isEqualTo(ChangeStreamConsumer.Status.STOPPED);

            itemThroughCache(cache, 1);
            other(cache);
            setItem(w, 1, 777);
            assertThat(itemThroughCache(cache, 1)).as("no consumer runs: the entry is stale until one does").isNotEqualTo(777);

            ChangeStreamConsumer second = consumer(cache).start();
            await("the write committed while no consumer ran is streamed after the restart", START_BOUND,
                    () -> itemThroughCache(cache, 1) == 777);
            assertThat(second.conservativeInvalidations()).as("resumed from the stored position").isZero();
            assertThat(other(cache).source()).as("so the independent query stayed cached").isEqualTo(Source.CACHE_HIT);
            second.close();

            makeGap(s);
            setItem(w, 1, 888);
            ChangeStreamConsumer third = consumer(cache).start();
            await("the write before the gap is covered", START_BOUND, () -> itemThroughCache(cache, 1) == 888);
            // counted once the invalidation completed, which this thread may see a moment before the count
            await("the gap's conservative invalidation is counted", START_BOUND,
                    () -> third.conservativeInvalidations() > 0);
            assertThat(third.conservativeInvalidations()).as("the gap made one conservative invalidation").isEqualTo(1);
            assertThat(other(cache).source()).as("of every watched table").isEqualTo(Source.CACHE_MISS);
            awaitStreaming(cache, third, w, false);
            assertThat(first.sourceFailures() + second.sourceFailures() + third.sourceFailures()).isZero();
        }
    }

    void setItem(Connection w, int id, long v) throws SQLException {
        try (PreparedStatement s = w.prepareStatement("UPDATE " + table("cdc_item") + " SET v = ? WHERE id = ?")) {
            s.setLong(1, v);
            s.setInt(2, id);
            s.executeUpdate();
        }
    }

    /** Whether the source's replication slot is held by a connection (PostgreSQL); false where there is none. */
    boolean slotActive(Statement s) throws SQLException {
        return false;
    }

    /** Kills the leader: in-process or as an operating system would. */
    interface Killer {
        void kill() throws Exception;
    }

    @Test
    void twoInstancesServeNoStaleAnswerAfterTheLagBoundWhileTheLeaderIsKilled() throws Exception {
        CacheAside[] caches = {instance(), instance()};
        ChangeStreamConsumer[] consumers = {consumer(caches[0]).start(), consumer(caches[1]).start()};
        await("one instance leads", START_BOUND, () -> consumers[0].leading() || consumers[1].leading());
        int leader = consumers[0].leading() ? 0 : 1;
        int follower = 1 - leader;
        try (Connection w = writer()) {
            awaitStreaming(caches[leader], consumers[leader], w, true);
        }
        assertThat(consumers[follower].status()).as("the other stands by").isEqualTo(ChangeStreamConsumer.Status.STANDBY);
        leaderDiesUnderLoad("in-process (engine stopped, lease left to expire)", caches, consumers[follower],
                caches[follower], () -> consumers[leader].abandon().block());
    }

    @Test
    void aLeaderKilledWithSigkillInAnotherJvmLosesNoChange() throws Exception {
        CacheAside cache = instance();
        DebeziumSourceOptions options = sourceOptions().build();
        LeaderProcess child = LeaderProcess.start(options, redis, cache.options().keyPrefix(), leaseKey(),
                LEASE_TTL, adminUrl(true), dialect(), INVALIDATION_TIMEOUT);
        closeables.add(child);
        // the child's first start invalidates everything (no stored position), then streams
        await("the other JVM's consumer leads and made its conservative invalidation", START_BOUND.multipliedBy(2),
                child::invalidatedEverything);
        ChangeStreamConsumer here = consumer(cache).start();
        try (Connection w = writer()) {
            probe("the other JVM streams a change", cache, table("cdc_item"), w, START_BOUND);
        }
        assertThat(here.status()).as("this instance stands by while the other JVM leads")
                .isEqualTo(ChangeStreamConsumer.Status.STANDBY);
        long[] activeAfterKill = {-1};
        leaderDiesUnderLoad("SIGKILL of JVM " + child.pid(), new CacheAside[] {cache}, here, cache, () -> {
            long killed = System.nanoTime();
            child.kill();
            // the kernel closed the dead JVM's sockets: the server ends its replication session and frees
            // the slot, before the lease can expire and another instance start a source on it
            try (Connection admin = writer(); Statement s = admin.createStatement()) {
                await("the dead leader's replication slot is released within the lease TTL", LEASE_TTL, () -> {
                    try {
                        return !slotActive(s);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            activeAfterKill[0] = (System.nanoTime() - killed) / 1_000_000;
        });
        if (database() == DebeziumSourceOptions.Database.POSTGRESQL) {
            System.out.printf(Locale.ROOT, "[cdc] %s slot inactive %d ms after the SIGKILL (measured)%n", database(),
                    activeAfterKill[0]);
        }
    }

    /**
     * Two outside writers and two readers through {@code caches} while {@code kill} kills the
     * leader; {@code follower} must take over within the lease's bound, every row converge to the
     * database's value in every cache, and no read be stale after its write's bound.
     */
    private void leaderDiesUnderLoad(String how, CacheAside[] caches, ChangeStreamConsumer follower,
            CacheAside followerCache, Killer kill) throws Exception {
        long[] start = new long[OutsideWorkload.ROWS];
        for (int r = 0; r < start.length; r++) {
            start[r] = itemThroughCache(caches[0], r);
        }
        List<java.util.function.IntToLongFunction> readers = new ArrayList<>();
        for (CacheAside cache : caches) {
            readers.add(row -> itemThroughCache(cache, row));
        }
        OutsideWorkload work = new OutsideWorkload(this::writer, table("cdc_item"), start, readers, false).start();
        try {
            leaderDiesUnderLoad(how, caches, follower, followerCache, kill, work);
        } finally {
            // a failure above must not leave writers on rows 0..7 that the next test writes too
            work.stop();
        }
    }

    private void leaderDiesUnderLoad(String how, CacheAside[] caches, ChangeStreamConsumer follower,
            CacheAside followerCache, Killer kill, OutsideWorkload work) throws Exception {
        long began = System.nanoTime();
        await("100 writes due before the kill", START_BOUND.plus(LAG_BOUND), () -> work.writesDue(began, LAG_BOUND) >= 100);
        long killed = System.nanoTime();   // the leader lived until here
        kill.kill();
        await("the other instance takes over", LEASE_TTL.plus(LEASE_TTL.dividedBy(3)).plus(Duration.ofSeconds(3)),
                () -> follower.status() == ChangeStreamConsumer.Status.RUNNING);
        long takenOver = System.nanoTime();
        try (Connection w = writer()) {
            // row 9 is no writer's: once its change arrives, the new leader streams
            awaitStreaming(followerCache, follower, w, false, RESUME_BOUND);
        }
        long streaming = System.nanoTime();
        await("100 writes due after the new leader streams", START_BOUND.plus(LAG_BOUND),
                () -> work.writesDue(streaming, LAG_BOUND) >= 100);
        assertThat(work.stop()).as("writers and readers ran without error").isNull();

        try (Connection w = writer(); PreparedStatement s = w.prepareStatement("SELECT v FROM " + table("cdc_item") + " WHERE id = ?")) {
            for (int r = 0; r < OutsideWorkload.ROWS; r++) {
                s.setInt(1, r);
                long expected;
                try (java.sql.ResultSet rs = s.executeQuery()) {
                    rs.next();
                    expected = rs.getLong(1);
                }
                int row = r;
                for (CacheAside cache : caches) {
                    StreamProbe.await(() -> "row " + row + " converges to its last write " + expected
                                    + " in every instance (the cache answers " + itemThroughCache(cache, row) + "; "
                                    + state(follower) + ")", LAG_BOUND, () -> itemThroughCache(cache, row) == expected);
                }
            }
        }
        // a write is due a lag bound after its commit when the leader lived through that bound;
        // one committed later (the dead leader may not have delivered it) is due a lag bound after
        // the new leader streams, as its probe proved: it resumed from the stored position, which is
        // stored only after a batch's invalidation, so what came before the probe was delivered first
        long lag = LAG_BOUND.toNanos();
        OutsideWorkload.Staleness result = work.check(committed -> committed + lag - killed <= 0 ? committed + lag
                : Math.max(committed, streaming) + lag);
        System.out.printf(Locale.ROOT, "[cdc] %s leader killed (%s): lease taken after %d ms, streaming after %d ms"
                        + " (measured; lease TTL %s); %d writes, %d reads (%d checked against a due write), %d stale;"
                        + " %s%n",
                database(), how, (takenOver - killed) / 1_000_000, (streaming - killed) / 1_000_000, LEASE_TTL,
                work.writes(), work.reads(), result.checked(), result.stale(), state(follower));
        assertThat(result.checked()).as("reads came after due writes").isGreaterThan(100);
        assertThat(result.stale()).as("stale answers after a write's bound").isZero();
        assertThat(follower.leaderships()).as("the follower took the lease once (%s)", state(follower)).isEqualTo(1);
    }
}
