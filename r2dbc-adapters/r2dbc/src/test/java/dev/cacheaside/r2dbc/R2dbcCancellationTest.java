package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A cancelled query gives its connection back, wherever the cancel lands: before the pool hands
 * the connection over, while it is on its way to the caller, or while the statement runs. Over
 * in-memory H2, whose connections are handed over on another scheduler.
 */
class R2dbcCancellationTest {

    /** Ends a failure only; a pass is decided by counts (other processes may saturate the CPUs). */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @Test
    void aQueryCancelledWhileItsStatementRunsGivesItsConnectionBack() {
        AtomicInteger releases = new AtomicInteger();
        AtomicInteger statements = new AtomicInteger();
        ConnectionPool pool = new ConnectionPool(ConnectionPoolConfiguration.builder(counting("cancel_running", statements))
                .maxSize(2)
                .preRelease(connection -> Mono.fromRunnable(releases::incrementAndGet))
                .build());
        R2dbcQueryExecutor executor = R2dbcQueryExecutor.create(pool);
        try {
            AtomicBoolean terminated = new AtomicBoolean();
            Disposable query = executor.execute("SELECT X FROM SYSTEM_RANGE(1, 2000000)", List.of())
                    .doOnTerminate(() -> terminated.set(true))
                    .subscribe();
            await("the statement starts", () -> statements.get() == 1);
            assertThat(releases).as("releases before the cancel").hasValue(0);

            query.dispose();

            await("the connection is back", () -> releases.get() == 1 && acquired(pool) == 0);
            assertThat(terminated).as("the query was cancelled, not finished").isFalse();
            assertThat(releases).as("releases after the cancel").hasValue(1);
        } finally {
            executor.close();
            pool.dispose();
        }
    }

    @Test
    void aQueryCancelledWhileItsConnectionIsOnItsWayToTheDriversSchedulerGivesItBack() throws Exception {
        // the first task scheduled once the pool has handed the connection over (the hop to
        // the scheduler H2 runs on) waits until the query is cancelled; the connection must go
        // back as a connection given back does, through the pool's pre-release step
        AtomicInteger releases = new AtomicInteger();
        ConnectionPool pool = new ConnectionPool(ConnectionPoolConfiguration.builder(R2dbcQueryExecutorTest.h2("cancel_hop"))
                .maxSize(1)
                .preRelease(connection -> Mono.fromRunnable(releases::incrementAndGet))
                .build());
        R2dbcQueryExecutor executor = R2dbcQueryExecutor.create(pool);
        AtomicBoolean armed = new AtomicBoolean();
        AtomicInteger held = new AtomicInteger();
        CountDownLatch cancelled = new CountDownLatch(1);
        Schedulers.onScheduleHook("hold-the-hop", task -> {
            if (acquired(pool) == 1 && armed.compareAndSet(true, false)) {
                held.incrementAndGet();
                return () -> {
                    try {
                        cancelled.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    task.run();
                };
            }
            return task;
        });
        try {
            executor.execute("SELECT 1", List.of()).block(DEADLINE); // the pool's one connection exists
            releases.set(0);
            armed.set(true);
            AtomicBoolean answered = new AtomicBoolean();
            Disposable query = executor.execute("SELECT 2", List.of()).subscribe(rows -> answered.set(true));
            await("the connection is handed over and the hop is held", () -> held.get() == 1);

            query.dispose();
            cancelled.countDown();

            await("the connection is back", () -> acquired(pool) == 0);
            assertThat(releases).as("connections given back through the pool's pre-release step").hasValue(1);
            assertThat(answered).as("the cancelled query answered").isFalse();
            assertThat(executor.execute("SELECT 3", List.of()).block(DEADLINE).get(0, 0))
                    .as("the pool's one connection serves the next query").isEqualTo(3);
        } finally {
            Schedulers.resetOnScheduleHook("hold-the-hop");
            cancelled.countDown();
            executor.close();
            pool.dispose();
        }
    }

    @Test
    void aCancelledH2StatementIsNotInterrupted() {
        // an interrupt during file I/O would close an H2 file database's channel
        R2dbcQueryExecutor executor = R2dbcQueryExecutor.create(R2dbcQueryExecutorTest.h2("cancel_nointerrupt"));
        try {
            executor.execute("CREATE ALIAS IF NOT EXISTS HOLD_MS FOR 'dev.cacheaside.r2dbc.H2Hold.sleep'", List.of()).block(DEADLINE);
            int started = H2Hold.STARTED.get();
            int ended = H2Hold.ENDED.get();
            int interrupted = H2Hold.INTERRUPTED.get();
            Disposable query = executor.execute("SELECT HOLD_MS(500)", List.of()).subscribe(rows -> { }, error -> { });
            await("the statement starts", () -> H2Hold.STARTED.get() == started + 1);

            query.dispose();

            await("the statement ends", () -> H2Hold.ENDED.get() == ended + 1);

            // and on a connection the caller holds
            Connection own = Mono.from(R2dbcQueryExecutorTest.h2("cancel_nointerrupt").create()).block(DEADLINE);
            try {
                Disposable onOwn = executor.execute(own, "SELECT HOLD_MS(500)", List.of()).subscribe(rows -> { }, error -> { });
                await("the statement on the caller's connection starts", () -> H2Hold.STARTED.get() == started + 2);
                onOwn.dispose();
                await("the statement on the caller's connection ends", () -> H2Hold.ENDED.get() == ended + 2);
            } finally {
                Mono.from(own.close()).block(DEADLINE);
            }
            assertThat(H2Hold.INTERRUPTED.get() - interrupted).as("statements interrupted by their cancel").isZero();
        } finally {
            executor.close();
        }
    }

    @Test
    void queriesCancelledAtAnyPointLeaveNoConnectionTaken() {
        // the caller's pool of 2 and 300 queries, each cancelled after a random spin of 0 to
        // 200 µs: some before a connection is handed over, some on its way, some while running
        ConnectionPool pool = new ConnectionPool(ConnectionPoolConfiguration.builder(R2dbcQueryExecutorTest.h2("cancel_any"))
                .maxSize(2)
                .maxAcquireTime(DEADLINE)
                .build());
        R2dbcQueryExecutor executor = R2dbcQueryExecutor.create(pool);
        SplittableRandom random = new SplittableRandom(42);
        try {
            List<Disposable> queries = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                queries.add(executor.execute("SELECT X FROM SYSTEM_RANGE(1, 20000)", List.of()).subscribe(rows -> { }, error -> { }));
                long until = System.nanoTime() + random.nextLong(200_000);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                queries.get(i).dispose();
            }
            await("every connection is back", () -> acquired(pool) == 0);

            // and the pool still serves: both connections can be taken at once
            List<dev.cacheaside.spi.Rows> answers = reactor.core.publisher.Flux.range(0, 2)
                    .flatMap(i -> executor.execute("SELECT CAST(? AS INT) AS v", List.of(i)))
                    .collectList()
                    .block(DEADLINE);
            assertThat(answers).hasSize(2);
        } finally {
            executor.close();
            pool.dispose();
        }
    }

    private static int acquired(ConnectionPool pool) {
        return pool.getMetrics().orElseThrow().acquiredSize();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(condition.getAsBoolean()).as(what + " within " + DEADLINE).isTrue();
    }

    /** An H2 database whose connections count the statements they create. */
    private static ConnectionFactory counting(String name, AtomicInteger statements) {
        ConnectionFactory h2 = R2dbcQueryExecutorTest.h2(name);
        return new ConnectionFactory() {
            @Override
            public Publisher<? extends Connection> create() {
                return Mono.from(h2.create()).map(connection -> (Connection) Proxy.newProxyInstance(
                        Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            if (method.getName().equals("createStatement")) {
                                statements.incrementAndGet();
                            }
                            try {
                                return method.invoke(connection, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }));
            }

            @Override
            public ConnectionFactoryMetadata getMetadata() {
                return h2.getMetadata();
            }
        };
    }
}
