package dev.cacheaside.testkit;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/** A fake database: one row whose value is the current version; reads take a little while. */
final class VersionedDatabase implements QueryExecutor {
    final AtomicLong version = new AtomicLong();
    final AtomicInteger executions = new AtomicInteger();
    final Random random = new Random();
    volatile int maxDelayMillis;

    @Override
    public Mono<Rows> execute(String sql, List<?> parameters) {
        return Mono.defer(() -> {
            // read first, then count: a test that waits for the count knows the read is done
            long seen = version.get();
            executions.incrementAndGet();
            Rows rows = Rows.of(List.of("version"), List.<Object[]>of(new Object[] {seen}));
            int delay = maxDelayMillis == 0 ? 0 : random.nextInt(maxDelayMillis + 1);
            return delay == 0 ? Mono.just(rows) : Mono.just(rows).delayElement(Duration.ofMillis(delay));
        });
    }

    @Override
    public Mono<Void> closeAsync() {
        return Mono.empty();
    }
}
