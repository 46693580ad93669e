package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.spi.CacheObserver;
import dev.cacheaside.spi.CacheObserver.Operation;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.Statement;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * A {@link CacheObserver} sees one watch per query, refresh, invalidation and write, ended once
 * with what answered; a query's cache read and database load are watched inside it (their
 * Context holds what the query's watch put in), and the database runs in the load's Context.
 */
class ObserverTest {

    static final String SQL = "SELECT * FROM airline WHERE airline_id = 1";
    static final Rows AIRLINE = Rows.of(List.of("airline_id"), List.<Object[]>of(new Object[] {1}));

    /** One watch as the observer saw it. */
    static final class Seen implements CacheObserver.Watch {
        final Operation operation;
        final String key;
        final Set<String> tables;
        /** The watch whose inner Context this one started in, or null. */
        final Seen parent;
        /** The caller's trace id in the Context this one started in. */
        final String traceId;
        final List<String> ends = new CopyOnWriteArrayList<>();

        Seen(Operation operation, String key, Set<String> tables, ContextView context) {
            this.operation = operation;
            this.key = key;
            this.tables = tables;
            this.parent = context.getOrDefault(Seen.class, null);
            this.traceId = context.getOrDefault("traceId", "none");
        }

        @Override
        public Context inner(Context outer) {
            return outer.put(Seen.class, this);
        }

        @Override
        public void succeeded(String detail) {
            ends.add("succeeded:" + detail);
        }

        @Override
        public void failed(Throwable error) {
            ends.add("failed:" + error.getMessage());
        }

        @Override
        public void cancelled() {
            ends.add("cancelled");
        }

        @Override
        public String toString() {
            return operation + (parent == null ? "" : " under " + parent.operation) + " " + ends;
        }
    }

    /** Records every watch. */
    static final class Recording implements CacheObserver {
        final List<Seen> seen = new CopyOnWriteArrayList<>();

        @Override
        public Watch start(Operation operation, String key, Set<String> tables, ContextView context) {
            Seen s = new Seen(operation, key, tables, context);
            seen.add(s);
            return s;
        }

        List<Seen> of(Operation operation) {
            List<Seen> found = new ArrayList<>();
            for (Seen s : seen) {
                if (s.operation == operation) {
                    found.add(s);
                }
            }
            return found;
        }
    }

    /** Reads rows, writes one row; records the watch whose Context the database ran in. */
    static final class Database implements QueryExecutor {
        final List<Seen> ranUnder = new CopyOnWriteArrayList<>();
        volatile RuntimeException failure;

        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            return Mono.deferContextual(context -> {
                ranUnder.add(context.getOrDefault(Seen.class, null));
                return failure != null ? Mono.error(failure) : Mono.just(AIRLINE);
            });
        }

        @Override
        public Mono<Long> update(Statement statement) {
            return Mono.just(1L);
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    }

    final Recording observer = new Recording();
    final Database database = new Database();

    private CacheAside cache() {
        return CacheAside.builder().database(database).cache(new InMemoryCacheStore()).observer(observer).build();
    }

    @Test
    void aMissIsOneQueryWithItsCacheReadAndDatabaseLoadInside() {
        try (CacheAside cache = cache()) {
            StepVerifier.create(cache.query(SQL).contextWrite(c -> c.put("traceId", "trace-1")))
                    .assertNext(r -> assertThat(r.source()).isEqualTo(Source.CACHE_MISS))
                    .verifyComplete();

            assertThat(observer.seen).as("one query, one read, one load").hasSize(3);
            Seen query = observer.of(Operation.QUERY).get(0);
            assertThat(query.ends).as("the query's end").containsExactly("succeeded:miss");
            assertThat(query.key).isEqualTo(cache.keyFor(SQL));
            assertThat(query.tables).containsExactly("airline");
            assertThat(query.parent).isNull();
            assertThat(query.traceId).isEqualTo("trace-1");

            Seen read = observer.of(Operation.CACHE_READ).get(0);
            assertThat(read.parent).as("the cache read runs inside the query").isSameAs(query);
            assertThat(read.ends).as("the read won the lease of an absent key").containsExactly("succeeded:lease_won");
            assertThat(read.traceId).as("the caller's Context reaches the read").isEqualTo("trace-1");

            Seen load = observer.of(Operation.DATABASE_LOAD).get(0);
            assertThat(load.parent).as("the database load runs inside the query").isSameAs(query);
            assertThat(load.ends).containsExactly("succeeded:null");
            assertThat(load.traceId).as("the caller's Context reaches the load").isEqualTo("trace-1");
            assertThat(database.ranUnder).as("the database ran in the load's Context").containsExactly(load);
        }
    }

    @Test
    void aHitIsOneQueryWithItsCacheReadAndNoLoad() {
        try (CacheAside cache = cache()) {
            cache.query(SQL).block();
            observer.seen.clear();

            StepVerifier.create(cache.query(SQL))
                    .assertNext(r -> assertThat(r.source()).isEqualTo(Source.CACHE_HIT))
                    .verifyComplete();

            assertThat(observer.seen).as("a query and its read").hasSize(2);
            Seen query = observer.of(Operation.QUERY).get(0);
            assertThat(query.ends).containsExactly("succeeded:hit");
            Seen read = observer.of(Operation.CACHE_READ).get(0);
            assertThat(read.parent).isSameAs(query);
            assertThat(read.ends).containsExactly("succeeded:hit");
        }
    }

    @Test
    void aRefreshIsWatchedAsARefreshWithItsLoadInside() {
        try (CacheAside cache = cache()) {
            StepVerifier.create(cache.refresh(SQL)).expectNextCount(1).verifyComplete();

            Seen refresh = observer.of(Operation.REFRESH).get(0);
            assertThat(refresh.ends).containsExactly("succeeded:miss");
            assertThat(observer.of(Operation.QUERY)).as("a refresh is not also a query").isEmpty();
            assertThat(observer.of(Operation.CACHE_READ)).as("a refresh skips the cache read").isEmpty();
            assertThat(observer.of(Operation.DATABASE_LOAD)).singleElement()
                    .satisfies(load -> assertThat(load.parent).isSameAs(refresh));
        }
    }

    @Test
    void aDatabaseErrorFailsTheLoadAndTheQuery() {
        database.failure = new IllegalStateException("database down");
        try (CacheAside cache = cache()) {
            StepVerifier.create(cache.query(SQL)).verifyErrorMessage("database down");

            assertThat(observer.of(Operation.DATABASE_LOAD).get(0).ends).containsExactly("failed:database down");
            assertThat(observer.of(Operation.QUERY).get(0).ends).containsExactly("failed:database down");
        }
    }

    @Test
    void invalidationsAndWritesAreWatched() {
        try (CacheAside cache = cache()) {
            StepVerifier.create(cache.invalidate(SQL)).expectNext(false).verifyComplete();
            StepVerifier.create(cache.invalidateTable("airline")).expectNextCount(1).verifyComplete();
            StepVerifier.create(cache.update("UPDATE airline SET name = 'x' WHERE airline_id = 1"))
                    .expectNext(1L).verifyComplete();

            List<Seen> invalidations = observer.of(Operation.INVALIDATION);
            assertThat(invalidations).hasSize(2);
            assertThat(invalidations.get(0).key).as("invalidate names its key").isEqualTo(cache.keyFor(SQL));
            assertThat(invalidations.get(0).ends).containsExactly("succeeded:null");
            assertThat(invalidations.get(1).key).as("invalidateTable has no key").isNull();
            assertThat(invalidations.get(1).tables).containsExactly("airline");
            Seen write = observer.of(Operation.WRITE).get(0);
            assertThat(write.tables).containsExactly("airline");
            assertThat(write.ends).containsExactly("succeeded:null");
            assertThat(observer.seen).as("nothing else was watched").hasSize(3);
        }
    }

    @Test
    void aCancelledQueryEndsItsWatchOnce() {
        database.failure = null;
        try (CacheAside cache = CacheAside.builder().database(new QueryExecutor() {
            @Override
            public Mono<Rows> execute(String sql, List<?> parameters) {
                return Mono.never();
            }

            @Override
            public Mono<Void> closeAsync() {
                return Mono.empty();
            }
        }).cache(new InMemoryCacheStore()).observer(observer).build()) {
            StepVerifier.create(cache.query(SQL)).thenCancel().verify();

            assertThat(observer.of(Operation.QUERY).get(0).ends).containsExactly("cancelled");
        }
    }

    @Test
    void withoutAnObserverNothingIsWatched() {
        try (CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore()).build()) {
            StepVerifier.create(cache.query(SQL)).expectNextCount(1).verifyComplete();
            assertThat(database.ranUnder).as("no watch in the database's Context").containsExactly((Seen) null);
            assertThat(observer.seen).isEmpty();
        }
    }
}
