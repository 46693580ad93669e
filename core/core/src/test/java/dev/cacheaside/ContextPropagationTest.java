package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The Reactor {@code Context} of the caller reaches the database load, although the load runs
 * on its own subscription (so one caller's cancel cannot cancel it for the others): a trace id
 * written with {@code contextWrite} is visible inside {@link QueryExecutor#execute}.
 */
class ContextPropagationTest {

    static final String SQL = "SELECT * FROM airline WHERE airline_id = 1";
    static final Rows AIRLINE = Rows.of(List.of("airline_id"), List.<Object[]>of(new Object[] {1}));

    /** Records the trace id the load saw in its Context ("none" when it saw none). */
    static final class TraceReadingExecutor implements QueryExecutor {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            return Mono.deferContextual(context -> {
                seen.add(context.getOrDefault("traceId", "none"));
                return Mono.just(AIRLINE);
            });
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    }

    @Test
    void aMissUnderALeaseLoadsWithTheCallersContext() {
        TraceReadingExecutor database = new TraceReadingExecutor();
        try (CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore()).build()) {
            StepVerifier.create(cache.query(SQL).contextWrite(c -> c.put("traceId", "trace-1")))
                    .assertNext(r -> assertThat(r.source()).isEqualTo(Source.CACHE_MISS))
                    .verifyComplete();
            assertThat(database.seen).as("the load saw the caller's trace id").containsExactly("trace-1");
        }
    }

    @Test
    void aMissWithoutLeasesLoadsWithTheCallersContext() {
        TraceReadingExecutor database = new TraceReadingExecutor();
        try (CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore())
                .options(CacheAsideOptions.builder().leases(false).build()).build()) {
            StepVerifier.create(cache.query(SQL).contextWrite(c -> c.put("traceId", "trace-2")))
                    .assertNext(r -> assertThat(r.source()).isEqualTo(Source.CACHE_MISS))
                    .verifyComplete();
            assertThat(database.seen).as("the load saw the caller's trace id").containsExactly("trace-2");
        }
    }

    @Test
    void aForcedRefreshLoadsWithTheCallersContext() {
        TraceReadingExecutor database = new TraceReadingExecutor();
        try (CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore()).build()) {
            StepVerifier.create(cache.refresh(SQL).contextWrite(c -> c.put("traceId", "trace-3")))
                    .assertNext(r -> assertThat(r.source()).isEqualTo(Source.CACHE_MISS))
                    .verifyComplete();
            assertThat(database.seen).as("the refresh's load saw the caller's trace id").containsExactly("trace-3");
        }
    }
}
