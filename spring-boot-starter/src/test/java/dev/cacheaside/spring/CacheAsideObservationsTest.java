package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.spi.Statement;
import dev.cacheaside.testing.InMemoryCacheStore;
import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * {@link CacheAsideObservations} makes one observation per query, refresh, invalidation and write,
 * tagged with the tier that answered, the engines and the outcome; a query's cache read and
 * database load are its children, and the query is the child of the observation in the caller's
 * Reactor Context.
 */
class CacheAsideObservationsTest {

    static final String SQL = "SELECT * FROM airline WHERE airline_id = 1";
    static final Rows AIRLINE = Rows.of(List.of("airline_id"), List.<Object[]>of(new Object[] {1}));

    final TestObservationRegistry registry = TestObservationRegistry.create();
    volatile RuntimeException failure;

    final QueryExecutor database = new QueryExecutor() {
        @Override
        public Mono<Rows> execute(String sql, List<?> parameters) {
            return Mono.defer(() -> failure != null ? Mono.error(failure) : Mono.just(AIRLINE));
        }

        @Override
        public Mono<Long> update(Statement statement) {
            return Mono.just(1L);
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.empty();
        }
    };

    final CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore())
            .observer(CacheAsideObservations.create(registry, "h2", "local")).build();

    @AfterEach
    void close() {
        cache.close();
    }

    /** The observations the registry handled, in the order they started. */
    private List<Observation.Context> handled() {
        List<Observation.Context> all = new ArrayList<>();
        TestObservationRegistryAssert.assertThat(registry).hasHandledContextsThatSatisfy(all::addAll);
        return all;
    }

    private Observation.Context only(String name) {
        List<Observation.Context> named = handled().stream().filter(c -> c.getName().equals(name)).toList();
        assertThat(named).as("observations named " + name).hasSize(1);
        return named.get(0);
    }

    private static String low(Observation.Context context, String key) {
        return context.getLowCardinalityKeyValue(key) == null ? null : context.getLowCardinalityKeyValue(key).getValue();
    }

    private static String high(Observation.Context context, String key) {
        return context.getHighCardinalityKeyValue(key) == null ? null : context.getHighCardinalityKeyValue(key).getValue();
    }

    @Test
    void aMissIsAQueryUnderTheCallersObservationWithItsReadAndLoadUnderIt() {
        Observation request = Observation.start("http.server.requests", registry);
        cache.query(SQL).contextWrite(c -> c.put(ObservationThreadLocalAccessor.KEY, request)).block();
        request.stop();

        Observation.Context query = only("cacheaside.query");
        assertThat(query.getContextualName()).isEqualTo("cacheaside query");
        assertThat(low(query, CacheAsideObservations.SOURCE)).isEqualTo("miss");
        assertThat(low(query, CacheAsideObservations.OUTCOME)).isEqualTo("success");
        assertThat(low(query, CacheAsideObservations.DATABASE)).isEqualTo("h2");
        assertThat(low(query, CacheAsideObservations.CACHE)).isEqualTo("local");
        assertThat(high(query, CacheAsideObservations.KEY)).isEqualTo(cache.keyFor(SQL));
        assertThat(high(query, CacheAsideObservations.TABLES)).isEqualTo("airline");
        assertThat(query.getParentObservation().getContextView()).as("the query's parent is the caller's")
                .isSameAs(request.getContextView());

        Observation.Context read = only("cacheaside.cache.read");
        assertThat(read.getParentObservation().getContextView()).as("the cache read is under the query")
                .isSameAs(query);
        assertThat(low(read, CacheAsideObservations.SOURCE)).isEqualTo("lease_won");
        Observation.Context load = only("cacheaside.database.load");
        assertThat(load.getParentObservation().getContextView()).as("the database load is under the query")
                .isSameAs(query);
        assertThat(low(load, CacheAsideObservations.OUTCOME)).isEqualTo("success");
        TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsEqualTo(4)
                .hasObservationWithNameEqualTo("cacheaside.query").that().hasBeenStarted().hasBeenStopped();
    }

    @Test
    void aHitIsAQueryWithItsReadAndNoLoad() {
        cache.query(SQL).block();
        registry.clear();

        cache.query(SQL).block();

        Observation.Context query = only("cacheaside.query");
        assertThat(low(query, CacheAsideObservations.SOURCE)).isEqualTo("hit");
        assertThat(query.getParentObservation()).as("no caller's observation, no parent").isNull();
        assertThat(low(only("cacheaside.cache.read"), CacheAsideObservations.SOURCE)).isEqualTo("hit");
        TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsEqualTo(2);
    }

    @Test
    void aRefreshIsARefreshWithItsLoadUnderIt() {
        cache.refresh(SQL).block();

        Observation.Context refresh = only("cacheaside.refresh");
        assertThat(low(refresh, CacheAsideObservations.SOURCE)).isEqualTo("miss");
        assertThat(only("cacheaside.database.load").getParentObservation().getContextView()).isSameAs(refresh);
        TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsEqualTo(2);
    }

    @Test
    void invalidationsAndWritesAreObserved() {
        cache.invalidate(SQL).block();
        Observation.Context invalidation = only("cacheaside.invalidation");
        assertThat(high(invalidation, CacheAsideObservations.KEY)).isEqualTo(cache.keyFor(SQL));
        assertThat(low(invalidation, CacheAsideObservations.OUTCOME)).isEqualTo("success");
        assertThat(low(invalidation, CacheAsideObservations.SOURCE)).isEqualTo("none");
        registry.clear();

        cache.invalidateTable("airline").block();
        invalidation = only("cacheaside.invalidation");
        assertThat(high(invalidation, CacheAsideObservations.KEY)).isEqualTo("none");
        assertThat(high(invalidation, CacheAsideObservations.TABLES)).isEqualTo("airline");
        registry.clear();

        cache.update("UPDATE airline SET name = 'x' WHERE airline_id = 1").block();
        Observation.Context write = only("cacheaside.write");
        assertThat(high(write, CacheAsideObservations.TABLES)).isEqualTo("airline");
        assertThat(low(write, CacheAsideObservations.OUTCOME)).isEqualTo("success");
        TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsEqualTo(1);
    }

    @Test
    void aDatabaseErrorIsAnErrorOfTheLoadAndTheQuery() {
        failure = new IllegalStateException("database down");
        assertThat(cache.query(SQL).onErrorResume(e -> Mono.empty()).block()).isNull();

        Observation.Context query = only("cacheaside.query");
        assertThat(low(query, CacheAsideObservations.OUTCOME)).isEqualTo("error");
        assertThat(low(query, CacheAsideObservations.SOURCE)).isEqualTo("none");
        assertThat(query.getError()).hasMessage("database down");
        Observation.Context load = only("cacheaside.database.load");
        assertThat(low(load, CacheAsideObservations.OUTCOME)).isEqualTo("error");
        assertThat(load.getError()).hasMessage("database down");
    }
}
