package dev.cacheaside;

import dev.cacheaside.internal.Recorder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Publishes a {@link CacheAside}'s counts and timings to a Micrometer {@link MeterRegistry}.
 *
 * <p>Micrometer is an optional dependency: this class is the only one that touches it, and it is
 * loaded only when called. Meters, all tagged with {@code name}:
 * <ul>
 *   <li>{@code cacheaside.results} (counter, tag {@code source}: hit, miss, stale)</li>
 *   <li>{@code cacheaside.coalesced}, {@code cacheaside.lease.waits},
 *       {@code cacheaside.lease.wait.timeouts}, {@code cacheaside.refreshes},
 *       {@code cacheaside.fills.refused} (counters)</li>
 *   <li>{@code cacheaside.cache.errors} (counter, tag {@code kind}: read, write, corrupt,
 *       uncacheable, circuit_open)</li>
 *   <li>{@code cacheaside.database.queries} and {@code cacheaside.database.errors} (counters)</li>
 *   <li>{@code cacheaside.loads.in.flight} (gauge) and {@code cacheaside.cache.circuit}
 *       (gauge: 0 closed, 1 open, 2 half-open, -1 disabled)</li>
 *   <li>{@code cacheaside.database.time} (timer, tag {@code outcome}) and
 *       {@code cacheaside.cache.time} (timer, tags {@code operation}: read, write, delete, and
 *       {@code outcome}), with p50, p95 and p99</li>
 * </ul>
 */
public final class CacheAsideMetrics {

    private CacheAsideMetrics() {
    }

    /**
     * Registers the meters of {@code cacheAside} in {@code registry}, tagged
     * {@code name=<name>}, and starts recording its timings. Call once per instance.
     */
    public static void bind(CacheAside cacheAside, MeterRegistry registry, String name) {
        Tags tags = Tags.of(Tag.of("name", name));
        counter(registry, "cacheaside.results", tags.and("source", "hit"), cacheAside, s -> s.hits());
        counter(registry, "cacheaside.results", tags.and("source", "miss"), cacheAside, s -> s.misses());
        counter(registry, "cacheaside.results", tags.and("source", "stale"), cacheAside, s -> s.staleHits());
        counter(registry, "cacheaside.coalesced", tags, cacheAside, s -> s.coalesced());
        counter(registry, "cacheaside.lease.waits", tags, cacheAside, s -> s.leaseWaits());
        counter(registry, "cacheaside.lease.wait.timeouts", tags, cacheAside, s -> s.leaseWaitTimeouts());
        counter(registry, "cacheaside.refreshes", tags, cacheAside, s -> s.backgroundRefreshes());
        counter(registry, "cacheaside.fills.refused", tags, cacheAside, s -> s.staleFillsRefused());
        counter(registry, "cacheaside.database.queries", tags, cacheAside, s -> s.databaseLoads());
        counter(registry, "cacheaside.database.errors", tags, cacheAside, s -> s.databaseErrors());
        counter(registry, "cacheaside.cache.errors", tags.and("kind", "read"), cacheAside, s -> s.cacheReadErrors());
        counter(registry, "cacheaside.cache.errors", tags.and("kind", "write"), cacheAside, s -> s.cacheWriteErrors());
        counter(registry, "cacheaside.cache.errors", tags.and("kind", "corrupt"), cacheAside, s -> s.corruptEntries());
        counter(registry, "cacheaside.cache.errors", tags.and("kind", "uncacheable"), cacheAside, s -> s.uncacheable());
        counter(registry, "cacheaside.cache.errors", tags.and("kind", "circuit_open"), cacheAside, s -> s.breakerRejections());
        FunctionCounter.builder("cacheaside.near.hits", cacheAside, c -> c.engine().counters().nearHits.sum())
                .tags(tags).description("hits served from the near tier (counted as hits too)").register(registry);
        Gauge.builder("cacheaside.near.entries", cacheAside, c -> c.engine().nearSize())
                .tags(tags).description("entries the near tier keeps now").register(registry);
        Gauge.builder("cacheaside.loads.in.flight", cacheAside, c -> c.stats().loadsInFlight())
                .tags(tags).description("database loads running now").register(registry);
        Gauge.builder("cacheaside.cache.circuit", cacheAside, CacheAsideMetrics::circuit)
                .tags(tags).description("0 closed, 1 open, 2 half-open, -1 disabled").register(registry);
        cacheAside.recorder(new MicrometerRecorder(registry, tags));
    }

    private static void counter(MeterRegistry registry, String meter, Tags tags, CacheAside cacheAside,
                                ToDoubleFunction<CacheAsideStats> value) {
        FunctionCounter.builder(meter, cacheAside, c -> value.applyAsDouble(c.stats())).tags(tags).register(registry);
    }

    private static double circuit(CacheAside cacheAside) {
        switch (cacheAside.cacheCircuitState()) {
            case "CLOSED":
                return 0;
            case "OPEN":
            case "FORCED_OPEN":
                return 1;
            case "HALF_OPEN":
                return 2;
            default:
                return -1;
        }
    }

    /** Times database and cache calls into Micrometer timers with percentiles. */
    private static final class MicrometerRecorder implements Recorder {
        private final MeterRegistry registry;
        private final Tags tags;
        private final Map<String, Timer> timers = new ConcurrentHashMap<>();

        MicrometerRecorder(MeterRegistry registry, Tags tags) {
            this.registry = registry;
            this.tags = tags;
        }

        @Override
        public void database(long nanos, boolean success) {
            timer("cacheaside.database.time", null, success).record(Duration.ofNanos(nanos));
        }

        @Override
        public void cache(String operation, long nanos, boolean success) {
            timer("cacheaside.cache.time", operation, success).record(Duration.ofNanos(nanos));
        }

        private Timer timer(String name, String operation, boolean success) {
            String outcome = success ? "success" : "error";
            return timers.computeIfAbsent(name + '|' + operation + '|' + outcome, k -> {
                Tags t = tags.and("outcome", outcome);
                if (operation != null) {
                    t = t.and("operation", operation);
                }
                return Timer.builder(name).tags(t).publishPercentiles(0.5, 0.95, 0.99).register(registry);
            });
        }
    }
}
