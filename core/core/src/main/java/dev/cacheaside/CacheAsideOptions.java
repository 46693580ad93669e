package dev.cacheaside;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Settings of a {@link CacheAside}: an immutable value made with {@link #builder()}.
 *
 * <p>Every setting has a default ({@code DEFAULT_*}); {@link Builder#build()} checks the values
 * and names the setting and the value in its error. The defaults are the safe ones: leases on,
 * early refresh on, stale-while-revalidate and TTL jitter off (serving stale data, and shorter
 * TTLs, are choices a user makes).
 */
public final class CacheAsideOptions {

    /** Default time to live of a cached result: one hour, like the seed. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);

    /** Default key prefix; a key is the prefix and the hex SHA-256 of the query. */
    public static final String DEFAULT_KEY_PREFIX = "query:";

    /** The longest prefix: Memcached's 250-byte key limit less the 64 hex characters and a suffix. */
    public static final int MAX_KEY_PREFIX_LENGTH = 250 - 64 - 8;

    /** Leases on a miss are on by default: one load per key across all instances. */
    public static final boolean DEFAULT_LEASES = true;

    /** How long a lease lives before it expires by itself (a holder that died frees the key). */
    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);

    /** How long a caller waits for another instance's load before asking the database itself. */
    public static final Duration DEFAULT_LEASE_WAIT = Duration.ofSeconds(2);

    /** Stale-while-revalidate is off by default: no result past its TTL is served. */
    public static final Duration DEFAULT_STALE_WHILE_REVALIDATE = Duration.ZERO;
    /** Default of {@link #allowStateChangingFunctions()}: refused. */
    public static final boolean DEFAULT_ALLOW_STATE_CHANGING_FUNCTIONS = false;

    /** XFetch's beta: 1.0, the paper's optimum; 0 turns early refresh off. */
    public static final double DEFAULT_EARLY_REFRESH_BETA = 1.0;

    /** TTL jitter is off by default. */
    public static final double DEFAULT_TTL_JITTER = 0.0;

    /** Every cache operation gives up after this long and the database answers. */
    public static final Duration DEFAULT_CACHE_TIMEOUT = Duration.ofMillis(250);

    /**
     * The time limit of invalidating one table: 5 s. It removes every cached query over the table,
     * one delete per registered key on a server store, so it may take longer than one cache call.
     */
    public static final Duration DEFAULT_INVALIDATION_TIMEOUT = Duration.ofSeconds(5);

    /**
     * How long {@link CacheAside#connectAtStart()} waits for the cache connection at start: 5 s. A cache
     * that is not reachable by then never fails the start; queries go to the database until it is.
     */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Results whose encoded entry is larger are returned but not cached: 1 MiB, Memcached's item limit. */
    public static final int DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024;

    /** Whether the near tier is on by default: off. */
    public static final boolean DEFAULT_NEAR_CACHE = false;

    /** The near tier's default bound: 64 MiB of estimated entry bytes. */
    public static final long DEFAULT_NEAR_CACHE_MAX_BYTES = 64L * 1024 * 1024;

    /**
     * The circuit breaker in front of the cache, by default: it opens when at least half of the
     * last 20 calls (10 at least) failed or timed out, stays open 2 s (every cache call then fails
     * at once and the database answers), then lets 3 probes through to find the cache again.
     * Bad arguments ({@link IllegalArgumentException}) do not count as failures. The window is
     * resilience4j's lock-free count-based one: calls are recorded on event loops, where the
     * synchronized window's lock may park the thread (BlockHound reports it). Once a count-based
     * window is full of fast successes, further fast successes are not recorded, since they
     * cannot change it: a hit on a healthy cache costs the breaker no write and no allocation.
     */
    public static final CircuitBreakerConfig DEFAULT_CIRCUIT_BREAKER = CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSynchronizationStrategy(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
            .slidingWindowSize(20)
            .minimumNumberOfCalls(10)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofSeconds(2))
            .permittedNumberOfCallsInHalfOpenState(3)
            .ignoreExceptions(IllegalArgumentException.class)
            .build();

    // the settings in groups, each checked when it is made
    private final FreshnessSettings freshness;
    private final Entries entries;
    private final NearCacheSettings near;
    private final LeaseSettings lease;
    private final TimeLimits limits;
    private final TimeSources time;
    private final CircuitBreakerConfig circuitBreaker;
    private final boolean allowStateChangingFunctions;

    private CacheAsideOptions(Builder b) {
        this.freshness = new FreshnessSettings(b.defaultTtl, b.staleWhileRevalidate, b.earlyRefreshBeta, b.ttlJitter);
        this.entries = new Entries(b.keyPrefix, b.maxEntryBytes);
        this.near = new NearCacheSettings(b.nearCache, b.nearCacheMaxBytes);
        this.lease = new LeaseSettings(b.leases, b.leaseTtl, b.leaseWait);
        this.limits = new TimeLimits(b.cacheTimeout, b.invalidationTimeout, b.connectTimeout);
        this.time = new TimeSources(b.clock, b.nanoTime, b.scheduler, b.random);
        this.circuitBreaker = b.circuitBreaker;
        this.allowStateChangingFunctions = b.allowStateChangingFunctions;
    }

    /** The options with every default. */
    public static CacheAsideOptions defaults() {
        return builder().build();
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder mutate() {
        Builder b = new Builder();
        b.defaultTtl = freshness.defaultTtl();
        b.staleWhileRevalidate = freshness.staleWhileRevalidate();
        b.earlyRefreshBeta = freshness.earlyRefreshBeta();
        b.ttlJitter = freshness.ttlJitter();
        b.keyPrefix = entries.keyPrefix();
        b.maxEntryBytes = entries.maxEntryBytes();
        b.nearCache = near.enabled();
        b.nearCacheMaxBytes = near.maxBytes();
        b.leases = lease.leases();
        b.leaseTtl = lease.leaseTtl();
        b.leaseWait = lease.leaseWait();
        b.cacheTimeout = limits.cacheTimeout();
        b.invalidationTimeout = limits.invalidationTimeout();
        b.connectTimeout = limits.connectTimeout();
        b.clock = time.clock();
        b.nanoTime = time.nanoTime();
        b.scheduler = time.scheduler();
        b.random = time.random();
        b.circuitBreaker = circuitBreaker;
        b.allowStateChangingFunctions = allowStateChangingFunctions;
        return b;
    }

    /** The time to live of a query that does not set its own. */
    public Duration defaultTtl() {
        return freshness.defaultTtl();
    }

    /** The prefix of every key. */
    public String keyPrefix() {
        return entries.keyPrefix();
    }

    /** Whether misses take a lease so that one caller, across instances, loads a key. */
    public boolean leases() {
        return lease.leases();
    }

    /** How long a lease lives before it expires by itself. */
    public Duration leaseTtl() {
        return lease.leaseTtl();
    }

    /** How long a caller waits for another's load before asking the database itself. */
    public Duration leaseWait() {
        return lease.leaseWait();
    }

    /** How long past its TTL a result may still be served while one refresh runs; zero is off. */
    public Duration staleWhileRevalidate() {
        return freshness.staleWhileRevalidate();
    }

    /** XFetch's beta for probabilistic early refresh; 0 is off. */
    public double earlyRefreshBeta() {
        return freshness.earlyRefreshBeta();
    }

    /** The fraction by which TTLs are randomly shortened (0 to 0.5); 0 is off. */
    public double ttlJitter() {
        return freshness.ttlJitter();
    }

    /** The circuit breaker's settings, or {@code null} when the cache has no breaker. */
    public CircuitBreakerConfig circuitBreaker() {
        return circuitBreaker;
    }

    /** The time limit of every cache operation. */
    public Duration cacheTimeout() {
        return limits.cacheTimeout();
    }

    /**
     * The time limit of one invalidation ({@link CacheAside#invalidate}, {@link CacheAside#invalidateTable},
     * the invalidation after a write), both of its attempts included.
     */
    public Duration invalidationTimeout() {
        return limits.invalidationTimeout();
    }

    /** How long {@link CacheAside#connectAtStart()} waits at start for the cache to answer (see {@link #DEFAULT_CONNECT_TIMEOUT}). */
    public Duration connectTimeout() {
        return limits.connectTimeout();
    }

    /** The largest encoded entry that is cached. */
    public int maxEntryBytes() {
        return entries.maxEntryBytes();
    }

    /**
     * Whether hot entries are also kept decoded in process (the near tier), exact through the
     * store's invalidations; default off. The store must report invalidations (Redis, Valkey).
     */
    public boolean nearCache() {
        return near.enabled();
    }

    /** The near tier's bound, in estimated bytes of what it keeps. */
    public long nearCacheMaxBytes() {
        return near.maxBytes();
    }

    /**
     * Whether {@code query()} runs SQL that calls functions known to change state ({@code nextval},
     * {@code setval}, {@code NEXT VALUE FOR}, large-object writes, advisory and named locks such
     * as {@code pg_advisory_lock} and {@code GET_LOCK}, ...); default
     * {@value #DEFAULT_ALLOW_STATE_CHANGING_FUNCTIONS}: refused at the call. Such results should
     * rarely be cached: a hit returns the old value and the change does not happen.
     */
    public boolean allowStateChangingFunctions() {
        return allowStateChangingFunctions;
    }

    /** The wall clock that entries' fresh times are written and read with. */
    public Clock clock() {
        return time.clock();
    }

    /** The monotonic clock, in nanoseconds, that latencies are measured with. */
    public LongSupplier nanoTime() {
        return time.nanoTime();
    }

    /** The scheduler of timeouts and of the waits between lease polls. */
    public Scheduler scheduler() {
        return time.scheduler();
    }

    /** The source of uniform random numbers in [0, 1) for jitter and early refresh. */
    public DoubleSupplier random() {
        return time.random();
    }

    @Override
    public String toString() {
        // the groups print their values; the time sources are left out
        return "CacheAsideOptions[" + freshness + ", " + entries + ", " + lease + ", " + limits + ", " + near
                + ", circuitBreaker=" + (circuitBreaker != null)
                + (allowStateChangingFunctions ? ", allowStateChangingFunctions" : "") + "]";
    }

    /** Builds {@link CacheAsideOptions}; reusable, not thread safe. */
    public static final class Builder {
        private Duration defaultTtl = DEFAULT_TTL;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private CircuitBreakerConfig circuitBreaker = DEFAULT_CIRCUIT_BREAKER;
        private boolean leases = DEFAULT_LEASES;
        private Duration leaseTtl = DEFAULT_LEASE_TTL;
        private Duration leaseWait = DEFAULT_LEASE_WAIT;
        private Duration staleWhileRevalidate = DEFAULT_STALE_WHILE_REVALIDATE;
        private double earlyRefreshBeta = DEFAULT_EARLY_REFRESH_BETA;
        private double ttlJitter = DEFAULT_TTL_JITTER;
        private Duration cacheTimeout = DEFAULT_CACHE_TIMEOUT;
        private Duration invalidationTimeout = DEFAULT_INVALIDATION_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int maxEntryBytes = DEFAULT_MAX_ENTRY_BYTES;
        private boolean nearCache = DEFAULT_NEAR_CACHE;
        private long nearCacheMaxBytes = DEFAULT_NEAR_CACHE_MAX_BYTES;
        private boolean allowStateChangingFunctions = DEFAULT_ALLOW_STATE_CHANGING_FUNCTIONS;
        private Clock clock = Clock.systemUTC();
        private LongSupplier nanoTime = System::nanoTime;
        private Scheduler scheduler = Schedulers.parallel();
        private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

        private Builder() {
        }

        /** The time to live of a query that does not set its own; at least 1 ms. */
        public Builder defaultTtl(Duration defaultTtl) {
            this.defaultTtl = defaultTtl;
            return this;
        }

        /**
         * The prefix of every key: printable ASCII without spaces, at most
         * {@value #MAX_KEY_PREFIX_LENGTH} characters; may be empty.
         */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
            return this;
        }

        /** Whether misses take leases (default {@value #DEFAULT_LEASES}). */
        public Builder leases(boolean leases) {
            this.leases = leases;
            return this;
        }

        /** How long a lease lives; at least 1 s, longer than your slowest query. */
        public Builder leaseTtl(Duration leaseTtl) {
            this.leaseTtl = leaseTtl;
            return this;
        }

        /** How long to wait for another's load before asking the database; not negative. */
        public Builder leaseWait(Duration leaseWait) {
            this.leaseWait = leaseWait;
            return this;
        }

        /** How long past its TTL a result may be served while it is refreshed; zero turns it off. */
        public Builder staleWhileRevalidate(Duration staleWhileRevalidate) {
            this.staleWhileRevalidate = staleWhileRevalidate;
            return this;
        }

        /** Whether {@code query()} may call state-changing functions; see {@link CacheAsideOptions#allowStateChangingFunctions()}. */
        public Builder allowStateChangingFunctions(boolean allow) {
            this.allowStateChangingFunctions = allow;
            return this;
        }

        /** XFetch's beta, 0 (off) to 10; above 1 refreshes earlier. */
        public Builder earlyRefreshBeta(double earlyRefreshBeta) {
            this.earlyRefreshBeta = earlyRefreshBeta;
            return this;
        }

        /** Shortens each TTL by a random fraction up to this, 0 (off) to 0.5. */
        public Builder ttlJitter(double ttlJitter) {
            this.ttlJitter = ttlJitter;
            return this;
        }

        /**
         * The circuit breaker in front of the cache (resilience4j); {@code null} turns it off.
         * Its clock is replaced by {@link #clock(Clock)}.
         */
        public Builder circuitBreaker(CircuitBreakerConfig circuitBreaker) {
            this.circuitBreaker = circuitBreaker;
            return this;
        }

        /** The time limit of every cache operation; positive. */
        public Builder cacheTimeout(Duration cacheTimeout) {
            this.cacheTimeout = cacheTimeout;
            return this;
        }

        /** The time limit of one invalidation, its retry included; positive. */
        public Builder invalidationTimeout(Duration invalidationTimeout) {
            this.invalidationTimeout = invalidationTimeout;
            return this;
        }

        /** How long {@link CacheAside#connectAtStart()} waits at start for the cache connection; positive. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** The largest encoded entry that is cached, in bytes; positive. */
        public Builder maxEntryBytes(int maxEntryBytes) {
            this.maxEntryBytes = maxEntryBytes;
            return this;
        }

        /** Whether the near tier is on; it needs a store that reports invalidations. */
        public Builder nearCache(boolean nearCache) {
            this.nearCache = nearCache;
            return this;
        }

        /** The near tier's bound, in estimated bytes; at least 1024. */
        public Builder nearCacheMaxBytes(long nearCacheMaxBytes) {
            this.nearCacheMaxBytes = nearCacheMaxBytes;
            return this;
        }

        /** The wall clock for fresh times; for tests. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** The monotonic clock for latencies, in nanoseconds; for tests. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
            return this;
        }

        /** The scheduler of timeouts and lease-poll waits; a virtual-time scheduler in tests. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Uniform random numbers in [0, 1) for jitter and early refresh; for tests. */
        public Builder random(DoubleSupplier random) {
            this.random = random;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException naming the setting and the value when one is invalid
         */
        public CacheAsideOptions build() {
            return new CacheAsideOptions(this);
        }
    }
}
