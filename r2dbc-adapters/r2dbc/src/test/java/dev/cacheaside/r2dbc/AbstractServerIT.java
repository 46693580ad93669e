package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.Statement;
import io.r2dbc.spi.R2dbcException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** What an engine reached over the network must also do: fail well when the server cannot serve. */
abstract class AbstractServerIT extends AbstractDatabaseIT {

    /** A statement that sleeps {@code seconds}. */
    abstract String sleep(int seconds);

    /** A query returning the integers 1 to {@code n}, one per row. */
    abstract String manyRows(int n);

    /** Settings whose credentials are wrong, and the user the error must name. */
    abstract Map.Entry<Settings, String> wrongCredentials();

    @Test
    void unreachablePortFailsWithinTheConnectTimeoutNamingHostAndPort() throws IOException {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        R2dbcQueryExecutor bad = executorFor(settings().with("DB_HOST", "127.0.0.1")
                .with("DB_PORT", String.valueOf(closedPort)).with("DB_CONNECT_TIMEOUT", "2s"));
        MapCacheStore badStore = new MapCacheStore();
        try (CacheAside badCache = CacheAside.builder().database(bad).cache(badStore).build()) {
            long start = System.nanoTime();
            StepVerifier.create(badCache.query("SELECT 1"))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcException.class)
                            .hasMessageContaining("127.0.0.1:" + closedPort))
                    .verify(Duration.ofSeconds(30));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(3500));
            assertThat(badStore.size()).as("nothing cached").isZero();
            awaitNoneAcquired(bad);
        }
    }

    @Test
    void wrongCredentialsNameTheUserAndNeverThePassword() {
        Map.Entry<Settings, String> wrong = wrongCredentials();
        R2dbcQueryExecutor bad = executorFor(wrong.getKey());
        MapCacheStore badStore = new MapCacheStore();
        String password = wrong.getKey().get("DB_PASSWORD").orElse("(none)");
        try (CacheAside badCache = CacheAside.builder().database(bad).cache(badStore).build()) {
            StepVerifier.create(badCache.query("SELECT 1"))
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(R2dbcException.class).hasMessageContaining(wrong.getValue());
                        if (!"(none)".equals(password)) {
                            assertThat(e).hasMessageNotContaining(password);
                        }
                    })
                    .verify(Duration.ofSeconds(30));
            assertThat(badStore.size()).as("nothing cached").isZero();
            awaitNoneAcquired(bad);
        }
    }

    @Test
    void statementTimeoutEndsALongStatement() {
        String sleep = sleep(5);
        R2dbcQueryExecutor quick = executorFor(settings().with("DB_STATEMENT_TIMEOUT", "1s"));
        MapCacheStore quickStore = new MapCacheStore();
        try (CacheAside quickCache = CacheAside.builder().database(quick).cache(quickStore).build()) {
            long start = System.nanoTime();
            StepVerifier.create(quickCache.query(sleep))
                    .expectErrorSatisfies(e -> {
                        System.out.println("[" + name() + "] statement timeout: " + e);
                        assertThat(e).isInstanceOf(R2dbcException.class);
                    })
                    .verify(Duration.ofSeconds(30));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(3000));
            assertThat(quickStore.size()).as("nothing cached").isZero();
            awaitNoneAcquired(quick);
        }
    }

    /**
     * Issue 12: nothing bounded how many rows a query read, so a huge result could exhaust the
     * JVM. With DB_MAX_ROWS the row past the limit fails the query, naming the limit and the
     * variable; the driver's stream is cancelled, the connection goes back to the pool, nothing
     * is cached, and the next query of the same key answers normally.
     */
    @Test
    void aResultPastDbMaxRowsFailsNamingTheLimitAndFreesItsConnection() {
        R2dbcQueryExecutor limited = executorFor(settings().with("DB_MAX_ROWS", "1000").with("DB_POOL_SIZE", "1"));
        assertThat(limited.options().maxRows()).as("maxRows from DB_MAX_ROWS").isEqualTo(1000);
        MapCacheStore limitedStore = new MapCacheStore();
        try (CacheAside limitedCache = CacheAside.builder().database(limited).cache(limitedStore).build()) {
            String huge = manyRows(200_000);
            long start = System.nanoTime();
            StepVerifier.create(limitedCache.query(huge))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(R2dbcException.class)
                            .hasMessageContaining("more than 1000 rows").hasMessageContaining("DB_MAX_ROWS"))
                    .verify(Duration.ofSeconds(60));
            System.out.println("[" + name() + "] 200,000 rows with DB_MAX_ROWS=1000 failed after "
                    + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms (measured)");
            assertThat(limitedStore.size()).as("nothing cached").isZero();
            awaitNoneAcquired(limited);
            assertThat(limitedCache.stats().loadsInFlight()).as("loads in flight").isZero();
            // the one pooled connection serves the next queries: it was released, not leaked
            String fits = manyRows(1000);
            StepVerifier.create(limitedCache.query(fits))
                    .assertNext(r -> {
                        assertThat(r.source()).isEqualTo(dev.cacheaside.Source.CACHE_MISS);
                        assertThat(r.rows().size()).as("rows at the limit").isEqualTo(1000);
                    })
                    .verifyComplete();
            StepVerifier.create(limitedCache.query(huge)).as("the same key again fails the same way, promptly")
                    .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("more than 1000 rows"))
                    .verify(Duration.ofSeconds(60));
            awaitNoneAcquired(limited);
            StepVerifier.create(limitedCache.query(fits))
                    .assertNext(r -> assertThat(r.source()).isEqualTo(dev.cacheaside.Source.CACHE_HIT))
                    .verifyComplete();
        }
        R2dbcQueryExecutor unlimited = executorFor(settings().with("DB_MAX_ROWS", "0"));
        try {
            assertThat(run(unlimited, manyRows(200_000)).size()).as("DB_MAX_ROWS=0: no limit").isEqualTo(200_000);
        } finally {
            unlimited.close();
        }
    }

    @Test
    void cancellingARunningStatementGivesTheConnectionBack() {
        reactor.core.Disposable running = executor.execute(sleep(3), java.util.List.of()).subscribe(r -> { }, e -> { });
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (executor.poolMetrics().orElseThrow().acquiredSize() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(executor.poolMetrics().orElseThrow().acquiredSize()).as("the sleep holds a connection").isEqualTo(1);
        running.dispose();
        awaitNoneAcquired(executor);
        assertThat(((Number) run(executor, "SELECT 1 AS one").get(0, 0)).intValue())
                .as("the pool still serves queries").isEqualTo(1);
    }

    @Test
    void cancellingATransactionRollsItBackAndGivesTheConnectionBack() {
        String t = "cacheaside_it_cancel_" + name();
        run(executor, "DROP TABLE IF EXISTS " + t);
        run(executor, "CREATE TABLE " + t + " (id INT NOT NULL PRIMARY KEY)");
        try {
            String sleeping = name().equals("postgresql")
                    ? "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(3)%'"
                    : "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(3)%'";
            R2dbcQueryExecutor observer = executorFor(settings());
            try {
                reactor.core.Disposable running = executor.updateInTransaction(java.util.List.of(
                        Statement.of("INSERT INTO " + t + " (id) VALUES (?)", java.util.List.of(1)),
                        Statement.of(sleep(3), java.util.List.of()))).subscribe(n -> { }, e -> { });
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (((Number) run(observer, sleeping).get(0, 0)).longValue() == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(((Number) run(observer, sleeping).get(0, 0)).longValue())
                        .as("the transaction's sleep runs on the server").isPositive();
                running.dispose();
            } finally {
                observer.close();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (executor.poolMetrics().orElseThrow().acquiredSize() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(executor.poolMetrics().orElseThrow().acquiredSize()).as("connections acquired after the cancel").isZero();
            // rolled back: the same key inserts again at once (an open transaction would hold its lock)
            assertThat(executor.update(Statement.of("INSERT INTO " + t + " (id) VALUES (?)", java.util.List.of(1)))
                    .block(Duration.ofSeconds(20))).as("insert of the key the cancelled transaction wrote").isEqualTo(1L);
            assertThat(((Number) run(executor, "SELECT COUNT(*) FROM " + t).get(0, 0)).longValue())
                    .as("rows: only the insert after the cancel").isEqualTo(1L);
        } finally {
            run(executor, "DROP TABLE IF EXISTS " + t);
        }
    }
}
