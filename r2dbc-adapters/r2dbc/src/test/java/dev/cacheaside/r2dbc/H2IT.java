package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.Rows;
import io.r2dbc.pool.PoolMetrics;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The embedded H2 engine: runs everywhere, no server (its statement timeout is in R2dbcQueryExecutorTest). */
class H2IT extends AbstractDatabaseIT {

    /** How long the statement in the hand-over test keeps its connection. */
    private static final Duration HOLD = Duration.ofSeconds(8);

    @Override
    String name() {
        return "h2";
    }

    @Override
    Settings settings() {
        return Settings.of(Map.of("DB_ENGINE", "h2", "DB_NAME", "cacheaside_it_h2_main"));
    }

    @Override
    List<Column> columns() {
        return List.of(
                col("c_tinyint", "TINYINT", (byte) 7),
                col("c_smallint", "SMALLINT", (short) 300),
                col("c_int", "INTEGER", 70000),
                col("c_bigint", "BIGINT", 9_000_000_000L),
                col("c_decimal", "DECIMAL(10,3)", new BigDecimal("12.345")),
                col("c_real", "REAL", 1.5f),
                col("c_double", "DOUBLE PRECISION", 2.25d),
                col("c_char", "CHAR(5)", "ab"),
                col("c_varchar", "VARCHAR(50)", "héllo, wörld"),
                col("c_clob", "CLOB", "?", "a character large object ?;", false),
                col("c_date", "DATE", LocalDate.of(2025, 2, 28)),
                col("c_time", "TIME", LocalTime.of(23, 59, 58)),
                col("c_timestamp", "TIMESTAMP(3)", LocalDateTime.of(2025, 3, 4, 5, 6, 7, 123_000_000)),
                col("c_timestamptz", "TIMESTAMP WITH TIME ZONE",
                        OffsetDateTime.of(2025, 3, 4, 5, 6, 7, 0, ZoneOffset.ofHours(2))),
                col("c_boolean", "BOOLEAN", true),
                col("c_varbinary", "VARBINARY(16)", new byte[] {0, 1, (byte) 0xfe, (byte) 0xff}),
                col("c_uuid", "UUID", UUID.fromString("3f1c2a9e-8d4b-4c1e-9a7f-0b2d3e4f5a6b")));
    }

    /**
     * H2 blocks its calling thread. With a pool of one, a read waits for the connection of a long
     * statement, which is then cancelled on a timer thread while H2 still runs it: the
     * connection must be handed to the waiting read (and validated) off that thread, or the
     * hand-over waits for H2's session lock on a non-blocking thread (BlockHound fails the test).
     */
    @Test
    void aConnectionGivenBackByACancelOnATimerThreadReachesTheNextReadOffThatThread() {
        R2dbcQueryExecutor executor = (R2dbcQueryExecutor) new H2QueryExecutorProvider().create("h2",
                Settings.of(Map.of("DB_ENGINE", "h2", "DB_NAME", "cacheaside_it_h2_handover", "DB_POOL_SIZE", "1")));
        try {
            executor.execute("CREATE ALIAS IF NOT EXISTS HOLD_MS FOR 'dev.cacheaside.r2dbc.H2Hold.sleep'", List.of())
                    .block(Duration.ofSeconds(60));
            int started = H2Hold.STARTED.get();
            // holds the connection and H2's session lock for HOLD, whatever is cancelled meanwhile
            Disposable held = executor.execute("SELECT HOLD_MS(" + HOLD.toMillis() + ")", List.of()).subscribe(
                    rows -> { }, error -> { });
            assertThat(waitForPool(executor, m -> m.acquiredSize() == 1 && H2Hold.STARTED.get() == started + 1))
                    .as("the long statement runs and holds the connection").isTrue();
            var next = executor.execute("SELECT 1", List.of()).toFuture();
            boolean waits = waitForPool(executor, m -> m.pendingAcquireSize() == 1);
            assertThat(waits).as("the read waits for the connection (within %s, before the long statement ends)", HOLD)
                    .isTrue();
            Schedulers.parallel().schedule(held::dispose);
            // the long statement's end, and a margin for a loaded machine
            long cancelledAt = System.nanoTime();
            Rows rows = Mono.fromFuture(next).block(HOLD.plusSeconds(30));
            assertThat(((Number) rows.get(0, 0)).intValue()).isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt))
                    .as("the read waited for H2's session lock, held by the cancelled statement")
                    .isGreaterThan(HOLD.dividedBy(2));
        } finally {
            executor.close();
        }
    }

    private static boolean waitForPool(R2dbcQueryExecutor executor, Predicate<PoolMetrics> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.test(executor.poolMetrics().orElseThrow())) {
                return true;
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        return false;
    }

    @Override
    List<String> createDatabase(String database) {
        return List.of(); // an in-memory H2 database exists once something connects to it
    }

    @Override
    List<String> dropDatabase(String database) {
        return List.of();
    }
}
