package dev.cacheaside.debezium;

import dev.cacheaside.CacheAside;
import dev.cacheaside.Source;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

/** Bounded waits of the change-stream tests, and the probe that proves a source streams. */
final class StreamProbe {

    private StreamProbe() {
    }

    /** Waits until {@code condition} holds, checking every 5 ms; fails naming {@code what} after {@code within}. */
    static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        await(() -> what, within, condition);
    }

    /** The same, {@code what} computed at the failure (so it can say what the state was then). */
    static void await(java.util.function.Supplier<String> what, Duration within, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what.get() + " did not happen within " + within);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Proves that a change reaches {@code cache} now: row 9 of {@code table} (no writer's) is read
     * until the answer is a cache hit (a read may not be cached: a fill that lost its lease, a cache
     * call that timed out), then a new value is written to it, then read until the cache answers it.
     * An answer that fails (a server restarting) is retried.
     */
    static void probe(String what, CacheAside cache, String table, Connection w, Duration within) throws Exception {
        String sql = "SELECT v FROM " + table + " WHERE id = ?";
        await("row 9 is cached", within, () -> {
            try {
                return cache.query(sql, 9).block().source() == Source.CACHE_HIT;
            } catch (RuntimeException e) {
                return false;
            }
        });
        long probe = -ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        try (PreparedStatement s = w.prepareStatement("UPDATE " + table + " SET v = ? WHERE id = 9")) {
            s.setLong(1, probe);
            s.executeUpdate();
        }
        await(what, within, () -> {
            try {
                return (Long) cache.query(sql, 9).block().rows().get(0, 0) == probe;
            } catch (RuntimeException e) {
                return false;
            }
        });
    }
}
