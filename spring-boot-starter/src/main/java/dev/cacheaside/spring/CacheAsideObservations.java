package dev.cacheaside.spring;

import dev.cacheaside.spi.CacheObserver;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * A {@link CacheObserver} that makes a Micrometer {@link Observation} of each operation of a
 * {@code CacheAside}, so that tracing shows a span per query with its cache read and database
 * load under it. The auto-configuration installs one when the application has an
 * {@link ObservationRegistry} bean; elsewhere, pass {@link #create} to
 * {@code CacheAside.Builder.observer}.
 *
 * <p>Observations, named {@code cacheaside.query}, {@code cacheaside.refresh},
 * {@code cacheaside.invalidation}, {@code cacheaside.write}, {@code cacheaside.cache.read} and
 * {@code cacheaside.database.load} (contextual names with a space: {@code cacheaside query}):
 * <ul>
 *   <li>low-cardinality keys: {@code cacheaside.database} and {@code cacheaside.cache} (the
 *       engines), {@code cacheaside.outcome} ({@code success}, {@code error}, {@code cancelled}),
 *       and {@code cacheaside.source}: for a query or refresh the tier that answered
 *       ({@code hit}, {@code near_hit}, {@code stale}, {@code miss}), for a cache read what it found
 *       ({@code hit}, {@code absent}, {@code lease_won}, {@code lease_held},
 *       {@code unreachable}), otherwise (and for one that failed or was cancelled)
 *       {@code none};</li>
 *   <li>high-cardinality keys: {@code cacheaside.key} (the cache key, {@code none} for table
 *       invalidations and writes) and {@code cacheaside.tables} (comma-separated).</li>
 * </ul>
 *
 * <p>Each observation's parent is the one in the subscriber's Reactor Context under
 * {@link ObservationThreadLocalAccessor#KEY} (where Spring WebFlux, Reactor's
 * {@code Micrometer.observation} and the query itself put theirs), else the registry's current
 * one; it is put there in turn for what runs inside, down to the database driver. Thread safe.
 */
public final class CacheAsideObservations implements CacheObserver {

    /** The low-cardinality key of the tier that answered, or what a cache read found. */
    public static final String SOURCE = "cacheaside.source";
    /** The low-cardinality key of how the operation ended. */
    public static final String OUTCOME = "cacheaside.outcome";
    /** The low-cardinality key of the database engine. */
    public static final String DATABASE = "cacheaside.database";
    /** The low-cardinality key of the cache engine. */
    public static final String CACHE = "cacheaside.cache";
    /** The high-cardinality key of the cache key. */
    public static final String KEY = "cacheaside.key";
    /** The high-cardinality key of the tables. */
    public static final String TABLES = "cacheaside.tables";

    private static final String NONE = "none";

    private final ObservationRegistry registry;
    private final KeyValues engines;

    private CacheAsideObservations(ObservationRegistry registry, String database, String cache) {
        this.registry = registry;
        this.engines = KeyValues.of(DATABASE, database, CACHE, cache);
    }

    /**
     * Observations in {@code registry}, tagged with the names of the {@code database} and
     * {@code cache} engines (such as {@code postgresql} and {@code redis}).
     */
    public static CacheAsideObservations create(ObservationRegistry registry, String database, String cache) {
        return new CacheAsideObservations(Objects.requireNonNull(registry, "registry"),
                Objects.requireNonNull(database, "database"), Objects.requireNonNull(cache, "cache"));
    }

    @Override
    public Watch start(Operation operation, String key, Set<String> tables, ContextView context) {
        Observation parent = context.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
        if (parent == null) {
            parent = registry.getCurrentObservation();
        }
        Observation observation = Observation.createNotStarted("cacheaside." + operation.label(), registry)
                .contextualName("cacheaside " + operation.label())
                .parentObservation(parent)
                .lowCardinalityKeyValues(engines)
                .lowCardinalityKeyValue(SOURCE, NONE)
                .lowCardinalityKeyValue(OUTCOME, "success")
                .highCardinalityKeyValue(KEY, key == null ? NONE : key)
                .highCardinalityKeyValue(TABLES, String.join(",", tables))
                .start();
        return new Observed(observation);
    }

    /** One operation's observation, stopped once. */
    private static final class Observed implements Watch {
        private final Observation observation;
        private final AtomicBoolean stopped = new AtomicBoolean();

        Observed(Observation observation) {
            this.observation = observation;
        }

        @Override
        public Context inner(Context outer) {
            return outer.put(ObservationThreadLocalAccessor.KEY, observation);
        }

        @Override
        public void succeeded(String detail) {
            if (stopped.compareAndSet(false, true)) {
                if (detail != null) {
                    observation.lowCardinalityKeyValue(SOURCE, detail);
                }
                observation.stop();
            }
        }

        @Override
        public void failed(Throwable error) {
            if (stopped.compareAndSet(false, true)) {
                observation.lowCardinalityKeyValue(OUTCOME, "error").error(error).stop();
            }
        }

        @Override
        public void cancelled() {
            if (stopped.compareAndSet(false, true)) {
                observation.lowCardinalityKeyValue(OUTCOME, "cancelled").stop();
            }
        }
    }
}
