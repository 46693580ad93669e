package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.QueryResult;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzes the read guard against a real database: generated statements mix comments, quotes and
 * escapes of every dialect, dollar quotes, backslashes, semicolons and executable comments
 * around real writes on canary objects (a table, a table to drop or truncate, a sequence, a
 * function that writes, locking clauses). Every statement the guard accepts runs through
 * {@link CacheAside#query(String, Object...)}; after each one the canaries must be unchanged and
 * no sequence advanced and no session-level lock (advisory, GET_LOCK) held, and every few hundred
 * statements no row lock may be held. Subclasses say
 * which engine; each creates its own canaries with a random suffix.
 */
abstract class AbstractReadGuardFuzz {

    /** Settings that reach the engine (skips when the server is down). */
    abstract Settings settings();

    /** Statements that create the canaries; {@code %s} is the suffix. */
    abstract List<String> createCanaries(String suffix);

    abstract List<String> dropCanaries(String suffix);

    /** A query of one row and column, usable as a scalar subquery: the sequence's state. */
    abstract String sequenceState(String suffix);

    /** A query of one row and column, usable as a scalar subquery: session-level locks held by anyone. */
    String sessionLocks(String suffix) {
        return "SELECT 0";
    }

    /** The advisory lock number the payloads try to take. */
    static int lockNumber(String suffix) {
        return Math.abs(suffix.hashCode() % 1_000_000) + 1;
    }

    /** A write that waits for a lock on every canary row and fails within about a second when one is held. */
    abstract String lockProbe(String suffix);

    /** The engine's name in messages. */
    abstract String name();

    static final AtomicInteger ACCEPTED = new AtomicInteger();
    static final AtomicInteger REFUSED = new AtomicInteger();
    static final AtomicInteger FAILED_IN_DATABASE = new AtomicInteger();

    static R2dbcQueryExecutor executor;
    static R2dbcQueryExecutor admin;
    static MapCacheStore store;
    static CacheAside cache;
    static String suffix;
    static String baseline;
    static AbstractReadGuardFuzz current;

    @BeforeContainer
    static void resetCounters() {
        ACCEPTED.set(0);
        REFUSED.set(0);
        FAILED_IN_DATABASE.set(0);
        current = null;
    }

    /** Opens the executors and creates the canaries once per class (jqwik makes a new instance per try). */
    void ensureOpen() {
        if (current != null) {
            return;
        }
        suffix = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Settings s = settings().with("DB_STATEMENT_TIMEOUT", "2s");
        executor = AbstractDatabaseIT.executorFor(s);
        admin = AbstractDatabaseIT.executorFor(s.with("DB_STATEMENT_TIMEOUT", "1s"));
        store = new MapCacheStore();
        cache = CacheAside.builder().database(executor).cache(store).build();
        for (String ddl : createCanaries(suffix)) {
            admin.execute(ddl, List.of()).block(Duration.ofSeconds(30));
        }
        baseline = snapshot();
        current = this;
    }

    @AfterContainer
    static void closeAndReport() {
        if (current == null) {
            return;
        }
        try {
            String after = current.snapshot();
            assertThat(after).as("canaries after the run").isEqualTo(baseline);
            current.assertNoLockHeld();
            int accepted = ACCEPTED.get();
            int refused = REFUSED.get();
            System.out.printf(Locale.ROOT, "[%s] read guard fuzz: %d accepted (%d of them failed in the database), "
                    + "%d refused, accepted share %.2f%n", current.name(), accepted, FAILED_IN_DATABASE.get(),
                    refused, accepted / (double) Math.max(1, accepted + refused));
            assertThat(accepted).as("the generator must give the database work").isGreaterThan((accepted + refused) / 5);
        } finally {
            for (String ddl : current.dropCanaries(suffix)) {
                admin.execute(ddl, List.of()).onErrorResume(e -> reactor.core.publisher.Mono.empty())
                        .block(Duration.ofSeconds(30));
            }
            cache.close();
            admin.close();
            current = null;
        }
    }

    /** The canaries' contents and the sequence's state, as one comparable text, in one round trip. */
    String snapshot() {
        String t = "guard_canary_" + suffix;
        Rows r = admin.execute("SELECT (SELECT COUNT(*) FROM " + t + ") AS n, (SELECT SUM(id * 1000 + v) FROM " + t
                + ") AS checksum, (SELECT COUNT(*) FROM guard_victim_" + suffix + ") AS victims, ("
                + sequenceState(suffix) + ") AS sequence, (" + sessionLocks(suffix) + ") AS session_locks", List.of())
                .block(Duration.ofSeconds(10));
        return r.asMaps().toString();
    }

    void assertNoLockHeld() {
        admin.update(Statement.of(lockProbe(suffix), List.of())).block(Duration.ofSeconds(10));
    }

    // ---- the generator ----

    /** Writes and locks the guard must never let through, spelled for every engine. */
    static List<String> payloads(String s) {
        String t = "guard_canary_" + s;
        return List.of(
                "DELETE FROM " + t,
                "UPDATE " + t + " SET v = v + 1",
                "INSERT INTO " + t + " VALUES (99, 99)",
                "DROP TABLE guard_victim_" + s,
                "TRUNCATE guard_victim_" + s,
                "TRUNCATE TABLE guard_victim_" + s,
                "SELECT nextval('guard_seq_" + s + "')",
                "SELECT NEXTVAL(guard_seq_" + s + ")",
                "SELECT NEXT VALUE FOR guard_seq_" + s,
                "SELECT guard_fn_" + s + "()",
                "SELECT * FROM " + t + " FOR UPDATE",
                "SELECT * FROM " + t + " FOR NO KEY UPDATE",
                "SELECT * FROM " + t + " FOR SHARE",
                "SELECT * FROM " + t + " FOR KEY SHARE",
                "SELECT * FROM " + t + " LOCK IN SHARE MODE",
                "FOR UPDATE",
                "FOR UPDATE NOWAIT",
                "FOR SHARE SKIP LOCKED",
                "LOCK IN SHARE MODE",
                "WITH x AS (DELETE FROM " + t + " RETURNING *) SELECT * FROM x",
                "WITH x AS (UPDATE " + t + " SET v = v + 1 RETURNING *) SELECT * FROM x",
                "SELECT * INTO guard_copy_" + s + " FROM " + t,
                "CREATE TABLE guard_made_" + s + " (id INT)",
                "EXPLAIN ANALYZE DELETE FROM " + t,
                "SELECT pg_advisory_lock(" + lockNumber(s) + ")",
                "SELECT GET_LOCK('guard_" + s + "', 0)",
                "SELECT setval('guard_seq_" + s + "', 1000)",
                "SELECT * FROM OLD TABLE (DELETE FROM " + t + ")");
    }

    /** Reads that should run, with the canary table in them. */
    static List<String> reads(String s) {
        String t = "guard_canary_" + s;
        return List.of(
                "SELECT id, v FROM " + t,
                "SELECT 1",
                "SELECT COUNT(*) FROM " + t + " WHERE v > 0",
                "WITH a AS (SELECT id FROM " + t + ") SELECT * FROM a",
                "VALUES (1)",
                "TABLE " + t,
                "SELECT (SELECT MAX(v) FROM " + t + ") AS m",
                "SELECT 'x' AS s FROM " + t);
    }

    /** Pieces that lexers read differently. */
    static final List<String> GLUE = List.of(
            ";", " ", "\n", "'", "\"", "`", "\\", "\\'", "\\\"", "''", "\"\"", "--", "-- ", "--x", "#", "//", "/*",
            "*/", "/*!", "/*!50000 ", "/*M!", "/*! */", "$$", "$a$", "E'", "e'", "U&'", "(", ")", ",", "AS x",
            "'it''s'", "'a;b'", "\"c;d\"", "`e;f`", "/* c; */", "-- c;\n", "# c;\n", "$$ q; $$", "'\\'", "\"x\\\"\"",
            " UNION ALL SELECT 1", " WHERE 1 = 1", " OR ", "1", "'; DROP TABLE x; --", "*", ".", "?", "??");

    @Provide
    Arbitrary<String> statements() {
        String s = suffixForGenerator();
        Arbitrary<String> glue = Arbitraries.of(GLUE);
        Arbitrary<String> payload = Arbitraries.of(payloads(s));
        Arbitrary<String> read = Arbitraries.of(reads(s));
        Arbitrary<String> harmless = Arbitraries.of(" ", "\n", " /* c */ ", " -- c\n", " AS x", "'s'", ";", " ");
        Arbitrary<String> piece = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, glue), net.jqwik.api.Tuple.of(3, payload), net.jqwik.api.Tuple.of(3, harmless));
        Arbitrary<String> hostile = net.jqwik.api.Combinators.combine(read, piece.list().ofMinSize(1).ofMaxSize(6))
                .as((r, parts) -> r + String.join("", parts));
        // a healthy share of plain reads, some with harmless decoration
        Arbitrary<String> benign = net.jqwik.api.Combinators.combine(read, harmless.list().ofMaxSize(3))
                .as((r, parts) -> r + String.join("", parts));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, hostile), net.jqwik.api.Tuple.of(1, benign));
    }

    /** The suffix is only known after set-up; the generator runs after {@link #ensureOpen()}. */
    private String suffixForGenerator() {
        ensureOpen();
        return suffix;
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.BOUNDED)
    void nothingTheGuardAcceptsChangesData(@ForAll("statements") String sql) {
        ensureOpen();
        reactor.core.publisher.Mono<QueryResult> query;
        try {
            query = cache.query(sql);
        } catch (IllegalArgumentException refused) {
            REFUSED.incrementAndGet();
            return;
        }
        ACCEPTED.incrementAndGet();
        try {
            query.block(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            FAILED_IN_DATABASE.incrementAndGet(); // bad syntax, read-only session refusing a write, ...
        }
        assertThat(snapshot()).as("canaries after %s", sql).isEqualTo(baseline);
        if (ACCEPTED.get() % 250 == 0) {
            assertNoLockHeld();
        }
    }

    /**
     * Defence in depth: a function that writes, called from a SELECT the guard accepts, changes
     * nothing on an engine with read-only sessions; the error reaches the caller and nothing is
     * cached.
     */
    @Example
    void aWritingFunctionCalledFromAReadChangesNothing() {
        ensureOpen();
        if (Sessions.readOnlySessionSql(executor.engine()) == null) {
            return; // H2 has no read-only session
        }
        long before = store.size();
        String sql = "SELECT guard_fn_" + suffix + "() AS changed";
        Throwable error = null;
        try {
            cache.query(sql).block(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            error = e;
        }
        assertThat(error).as("the database refuses the write inside the read").isNotNull();
        assertThat(String.valueOf(error.getMessage()).toLowerCase(Locale.ROOT)).contains("read");
        assertThat(store.size()).as("nothing cached").isEqualTo(before);
        assertThat(snapshot()).isEqualTo(baseline);
        // and the write path still writes: update() runs READ WRITE on the same pool
        long rows = executor.update(Statement.of("UPDATE guard_canary_" + suffix + " SET v = v WHERE id = ?", List.of(1)))
                .block(Duration.ofSeconds(10));
        assertThat(rows).isGreaterThanOrEqualTo(0L);
        Rows written = executor.execute("INSERT INTO guard_victim_" + suffix + " VALUES (7, 7)", List.of())
                .block(Duration.ofSeconds(10));
        assertThat(written).isNotNull();
        admin.execute("DELETE FROM guard_victim_" + suffix + " WHERE id = 7", List.of()).block(Duration.ofSeconds(10));
        // the connection went back read-only after the set-up write
        Throwable again = null;
        try {
            cache.query(sql + " ").block(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            again = e;
        }
        assertThat(again).as("still read-only after a write through execute()").isNotNull();
        assertThat(snapshot()).isEqualTo(baseline);
    }

    static Map<String, String> env(String server, String engine, int port, String user, String database) {
        return AbstractDatabaseIT.env(server, engine, port, user, database);
    }

    // ---- the engines ----

    static List<String> tables(String s, String intType) {
        List<String> ddl = new ArrayList<>();
        ddl.add("CREATE TABLE guard_canary_" + s + " (id " + intType + " PRIMARY KEY, v " + intType + ")");
        ddl.add("INSERT INTO guard_canary_" + s + " VALUES (1, 1), (2, 2), (3, 3)");
        ddl.add("CREATE TABLE guard_victim_" + s + " (id " + intType + " PRIMARY KEY, v " + intType + ")");
        ddl.add("INSERT INTO guard_victim_" + s + " VALUES (1, 1)");
        ddl.add("CREATE SEQUENCE guard_seq_" + s);
        return ddl;
    }
}
