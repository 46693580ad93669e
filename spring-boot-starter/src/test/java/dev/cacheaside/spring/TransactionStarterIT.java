package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideStats;
import dev.cacheaside.Query;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.testing.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;
import reactor.util.function.Tuple3;
import reactor.util.function.Tuples;

/**
 * Spring reactive transactions through the starter, on the real PostgreSQL 5432 and MariaDB 3306:
 * Spring Boot's own R2DBC {@code ConnectionFactory} (a pool), its {@code R2dbcTransactionManager}
 * and {@code TransactionalOperator}, and a {@code @Transactional} bean, with the starter's
 * {@code CacheAside} over that factory and the in-process cache. Inside a transaction a query
 * reads the transaction's own uncommitted write from the database (a miss, counted as a database
 * load) and neither reads nor fills the cache; {@code update} and {@code transaction} run in the
 * transaction, so a rollback undoes them (checked with plain JDBC) and leaves the cached entries
 * untouched, while a commit invalidates them only then: another caller still hits the committed
 * value during the transaction. Each run has its own table (and MariaDB database).
 */
class TransactionStarterIT {

    /** A bound for one step; the database's first connection on a saturated machine included. */
    static final Duration STEP = Duration.ofSeconds(60);

    private final String run = "sbtx" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

    @Test
    void postgresqlTransactionsAreJoined() throws Exception {
        String pg = TestServers.require("POSTGRES", 5432);
        String table = "public." + run;
        try (Connection jdbc = DriverManager.getConnection("jdbc:postgresql://" + pg + "/postgres", "postgres", "")) {
            try (Statement s = jdbc.createStatement()) {
                s.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
            }
            try {
                joins(jdbc, table, "spring.r2dbc.url=r2dbc:postgresql://" + pg + "/postgres",
                        "spring.r2dbc.username=postgres");
            } finally {
                try (Statement s = jdbc.createStatement()) {
                    s.execute("DROP TABLE IF EXISTS " + table);
                }
            }
        }
    }

    @Test
    void mariadbTransactionsAreJoined() throws Exception {
        String maria = TestServers.require("MARIADB", 3306);
        String table = run + ".item";
        try (Connection jdbc = DriverManager.getConnection("jdbc:mysql://" + maria
                + "/?permitMysqlScheme&allowPublicKeyRetrieval=true&useSSL=false", "root", "")) {
            try (Statement s = jdbc.createStatement()) {
                s.execute("CREATE DATABASE " + run);
                s.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
            }
            try {
                joins(jdbc, table, "spring.r2dbc.url=r2dbc:mariadb://" + maria + "/" + run,
                        "spring.r2dbc.username=root");
            } finally {
                try (Statement s = jdbc.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + run);
                }
            }
        }
    }

    private void joins(Connection jdbc, String table, String... database) throws SQLException {
        try (Statement s = jdbc.createStatement()) {
            s.execute("INSERT INTO " + table + " (id, v) VALUES (1, 'a1'), (2, 'a2'), (3, 'a3'), (4, 'a4'),"
                    + " (5, 'a5'), (6, 'a6'), (7, 'a7')");
        }
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(R2dbcAutoConfiguration.class,
                        R2dbcTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
                        CacheAsideAutoConfiguration.class))
                .withUserConfiguration(Writers.class)
                .withPropertyValues(database)
                .withPropertyValues("cacheaside.key-prefix=" + run + ":", "cacheaside.connect-timeout=10s")
                .run(context -> {
                    assertThat(context).as("context starts").hasNotFailed();
                    CacheAside cache = context.getBean(CacheAside.class);
                    TransactionalOperator operator = context.getBean(TransactionalOperator.class);
                    Writer writer = context.getBean(Writer.class);
                    Fixture f = new Fixture(cache, jdbc, table);

                    rollbackLeavesTheCacheAndTheRowAlone(f, operator);
                    commitInvalidatesOnlyAfterIt(f, operator);
                    transactionalMethodRollsBackBothWrites(f, writer);
                    transactionalMethodCommits(f, writer);
                    outsideATransactionNothingChanged(f);
                });
    }

    /** Rows 1 and 2: a write, a read of it and a read of another row in a transaction rolled back. */
    private static void rollbackLeavesTheCacheAndTheRowAlone(Fixture f, TransactionalOperator operator)
            throws SQLException {
        f.expect(1, Source.CACHE_MISS, "a1", "row 1, first read");
        f.expect(1, Source.CACHE_HIT, "a1", "row 1, cached");
        CacheAsideStats before = f.cache.stats();

        Tuple3<Long, QueryResult, QueryResult> seen = operator.execute(status -> f.cache
                .update("UPDATE " + f.table + " SET v = ? WHERE id = ?", "b1", 1)
                // one statement at a time on the transaction's connection
                .flatMap(rows -> f.query(1).flatMap(one -> f.query(2).map(two -> Tuples.of(rows, one, two))))
                .doOnNext(x -> status.setRollbackOnly()))
                .single().block(STEP);

        assertThat(seen.getT1()).as("the update in the transaction changed one row").isEqualTo(1L);
        assertThat(value(seen.getT2())).as("the read in the transaction sees its own uncommitted write")
                .isEqualTo("b1");
        assertThat(seen.getT2().source()).as("... from the database, not the cache").isEqualTo(Source.CACHE_MISS);
        assertThat(value(seen.getT3())).as("an uncached row read in the transaction").isEqualTo("a2");
        CacheAsideStats after = f.cache.stats();
        assertThat(after.databaseLoads() - before.databaseLoads()).as("both reads in the transaction asked the database")
                .isEqualTo(2);
        assertThat(after.hits() - before.hits()).as("no hit in the transaction").isZero();

        assertThat(f.committed(1)).as("rolled back: the row is unchanged").isEqualTo("a1");
        f.expect(1, Source.CACHE_HIT, "a1", "rolled back: the cached entry was neither invalidated nor replaced");
        f.expect(2, Source.CACHE_MISS, "a2", "the read in the transaction did not fill the cache");
    }

    /** Row 3: committed; another caller hits the committed value until the commit. */
    private static void commitInvalidatesOnlyAfterIt(Fixture f, TransactionalOperator operator) throws SQLException {
        f.expect(3, Source.CACHE_MISS, "a3", "row 3, first read");

        Tuple3<Long, QueryResult, QueryResult> seen = operator.execute(status -> f.cache
                .update("UPDATE " + f.table + " SET v = ? WHERE id = ?", "c3", 3)
                .flatMap(rows -> f.query(3).flatMap(inside -> Mono
                        // another caller, outside the transaction: toFuture subscribes without its context
                        .fromFuture(() -> f.query(3).toFuture())
                        .map(other -> Tuples.of(rows, inside, other)))))
                .single().block(STEP);

        assertThat(value(seen.getT2())).as("the transaction reads its write").isEqualTo("c3");
        assertThat(seen.getT3().source()).as("before the commit, another caller still hits the cached entry")
                .isEqualTo(Source.CACHE_HIT);
        assertThat(value(seen.getT3())).as("... with the committed value").isEqualTo("a3");
        assertThat(f.committed(3)).as("committed").isEqualTo("c3");
        f.expect(3, Source.CACHE_MISS, "c3", "after the commit, the cached entry was invalidated");
        f.expect(3, Source.CACHE_HIT, "c3", "and cached again");
    }

    /** Rows 4 and 5: {@code cache.transaction} in a {@code @Transactional} method that then fails. */
    private static void transactionalMethodRollsBackBothWrites(Fixture f, Writer writer) throws SQLException {
        f.expect(4, Source.CACHE_MISS, "a4", "row 4, first read");
        f.expect(5, Source.CACHE_MISS, "a5", "row 5, first read");

        assertThatThrownBy(() -> writer.writeBothThenFail(f.table).block(STEP))
                .as("the @Transactional method fails after both writes").hasMessageContaining("after both writes");

        assertThat(f.committed(4)).as("rolled back: row 4 unchanged").isEqualTo("a4");
        assertThat(f.committed(5)).as("rolled back: row 5 unchanged").isEqualTo("a5");
        f.expect(4, Source.CACHE_HIT, "a4", "rolled back: row 4's entry untouched");
        f.expect(5, Source.CACHE_HIT, "a5", "rolled back: row 5's entry untouched");
    }

    /** Row 6: a {@code @Transactional} method that writes and reads, committed. */
    private static void transactionalMethodCommits(Fixture f, Writer writer) throws SQLException {
        f.expect(6, Source.CACHE_MISS, "a6", "row 6, first read");
        f.expect(6, Source.CACHE_HIT, "a6", "row 6, cached");

        QueryResult inside = writer.writeAndRead(f.table).block(STEP);

        assertThat(value(inside)).as("the @Transactional method reads its own write").isEqualTo("e6");
        assertThat(inside.source()).isEqualTo(Source.CACHE_MISS);
        assertThat(f.committed(6)).as("committed").isEqualTo("e6");
        f.expect(6, Source.CACHE_MISS, "e6", "after the commit, row 6's entry was invalidated");
    }

    /** Row 7: without a transaction, update commits and invalidates at once, as before. */
    private static void outsideATransactionNothingChanged(Fixture f) throws SQLException {
        f.expect(7, Source.CACHE_MISS, "a7", "row 7, first read");
        f.expect(7, Source.CACHE_HIT, "a7", "row 7, cached");
        assertThat(f.cache.update("UPDATE " + f.table + " SET v = ? WHERE id = ?", "f7", 7).block(STEP))
                .isEqualTo(1L);
        assertThat(f.committed(7)).as("committed by update itself").isEqualTo("f7");
        f.expect(7, Source.CACHE_MISS, "f7", "invalidated by the update");
    }

    private static String value(QueryResult result) {
        List<Map<String, Object>> rows = result.rows().asMaps();
        assertThat(rows).as("one row").hasSize(1);
        return String.valueOf(rows.get(0).values().iterator().next());
    }

    /** The cache, the table and an independent JDBC connection that reads committed rows. */
    private record Fixture(CacheAside cache, Connection jdbc, String table) {

        Mono<QueryResult> query(int id) {
            return cache.query("SELECT v FROM " + table + " WHERE id = ?", id);
        }

        /** A query outside any transaction answers {@code value} from {@code source}. */
        void expect(int id, Source source, String value, String step) {
            QueryResult r = query(id).block(STEP);
            assertThat(value(r)).as(step + ": value").isEqualTo(value);
            assertThat(r.source()).as(step + ": source").isEqualTo(source);
        }

        /** The committed value of row {@code id}, read by plain JDBC. */
        String committed(int id) throws SQLException {
            try (PreparedStatement p = jdbc.prepareStatement("SELECT v FROM " + table + " WHERE id = ?")) {
                p.setInt(1, id);
                try (ResultSet rs = p.executeQuery()) {
                    assertThat(rs.next()).as("row " + id + " exists").isTrue();
                    return rs.getString(1);
                }
            }
        }
    }

    /** The application's {@code @Transactional} bean. */
    @Configuration(proxyBeanMethods = false)
    static class Writers {
        @Bean
        Writer writer(CacheAside cache) {
            return new Writer(cache);
        }
    }

    /** Writes through the cache in {@code @Transactional} methods (proxied by Spring). */
    public static class Writer {
        private final CacheAside cache;

        public Writer(CacheAside cache) {
            this.cache = cache;
        }

        /** Rows 4 and 5 in one {@code cache.transaction}, then an error: rolled back. */
        @Transactional
        public Mono<Long> writeBothThenFail(String table) {
            return cache.transaction(List.of(
                            Query.of("UPDATE " + table + " SET v = ? WHERE id = ?", "d4", 4),
                            Query.of("UPDATE " + table + " SET v = ? WHERE id = ?", "d5", 5)))
                    .flatMap(rows -> Mono.error(new IllegalStateException("failed after both writes (" + rows + " rows)")));
        }

        /** Row 6 written, then read back, in one transaction: committed. */
        @Transactional
        public Mono<QueryResult> writeAndRead(String table) {
            return cache.update("UPDATE " + table + " SET v = ? WHERE id = ?", "e6", 6)
                    .then(cache.query("SELECT v FROM " + table + " WHERE id = ?", 6));
        }
    }
}
