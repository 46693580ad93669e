package dev.cacheaside.spring;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

/**
 * The {@code cacheaside.*} properties: the cache engine and its address, the options of
 * {@link dev.cacheaside.CacheAside} (TTL, stampede protection, resilience) and, under
 * {@code cacheaside.db.*}, the database used when the application has no R2DBC
 * {@code ConnectionFactory} of its own.
 *
 * <p>Each property is one of the library's variables under another name ({@code cacheaside.ttl}
 * is {@code CACHE_TTL}, {@code cacheaside.db.host} is {@code DB_HOST}, ...), with the same
 * default and meaning; {@link #toVariables()} gives them under the library's names. A duration
 * written as a bare number is in seconds, as in the library ({@code cacheaside.ttl=3600});
 * units work too ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}).
 *
 * <p>A mutable bean for Spring's binder: not thread safe while it is being bound, read-only
 * afterwards. {@link #toString()} never shows a password.
 */
@ConfigurationProperties(prefix = CacheAsideProperties.PREFIX)
public class CacheAsideProperties {

    /** The prefix of every property. */
    public static final String PREFIX = "cacheaside";

    /** Shown instead of a password. */
    static final String REDACTED = "(redacted)";

    /** Whether the starter configures a CacheAside at all; false turns the whole starter off. */
    private boolean enabled = true;

    /** Cache engine: local (in-process, the default), redis, valkey or memcached (CACHE_ENGINE). */
    private String engine = "local";

    /**
     * Cache host (CACHE_HOST); localhost when not set. With engine redis or valkey and neither
     * host nor nodes set, the application's Spring Data Redis settings (spring.data.redis.*)
     * are used when there are any.
     */
    private String host;

    /**
     * Cache port (CACHE_PORT); by default 6379 for Redis and Valkey, 11211 for Memcached, 26379
     * for Redis Sentinels.
     */
    private Integer port;

    /**
     * Cache nodes as host:port (CACHE_NODES): Memcached servers, Redis Sentinels or Redis
     * Cluster seeds. When set, host and port are not used.
     */
    private List<String> nodes = new ArrayList<>();

    /** Whether the nodes are a Redis Cluster (CACHE_CLUSTER). */
    private boolean cluster = false;

    /** Redis Sentinel master name; setting it selects Sentinel mode (CACHE_SENTINEL_MASTER). */
    private String sentinelMaster;

    /** The Redis Sentinels' own password (CACHE_SENTINEL_PASSWORD); never logged. */
    private String sentinelPassword;

    /** Redis ACL user; needs a password (CACHE_USER). */
    private String user;

    /** Cache password (CACHE_PASSWORD); never logged, shown or reported in health details. */
    private String password;

    /** TLS to Redis or Valkey, with the certificate and host name verified (CACHE_TLS). */
    private boolean tls = false;

    /** PEM file of trusted certificates for TLS; the JVM's trust store when not set (CACHE_TLS_CA_FILE). */
    private String tlsCaFile;

    /** Redis database number (CACHE_DATABASE). */
    private int database = 0;

    /**
     * Connect timeout of the cache (CACHE_CONNECT_TIMEOUT): TCP connect, TLS handshake and, for
     * Redis and Valkey, the handshake (HELLO/AUTH, SELECT, PING); commands use {@code timeout}
     * instead. Also how long the application's start waits for the cache to answer. By default
     * 5s; a cache that does not answer never fails the start.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration connectTimeout;

    /** Default time to live of an entry (CACHE_TTL). */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration ttl = Duration.ofHours(1);

    /** Prefix of every cache key (CACHE_KEY_PREFIX). */
    private String keyPrefix = "query:";

    /** Time limit of every cache call; a slower read is a miss (CACHE_TIMEOUT). */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration timeout = Duration.ofMillis(250);

    /** Leases on a miss: one database load per key across every instance (CACHE_LEASES). */
    private boolean leases = true;

    /** A lease expires by itself after this (CACHE_LEASE_TTL). */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration leaseTtl = Duration.ofSeconds(10);

    /** Longest wait for another instance's load before asking the database (CACHE_LEASE_WAIT). */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration leaseWait = Duration.ofSeconds(2);

    /**
     * Stale-while-revalidate window past the TTL, during which the stale entry is served while
     * one refresh runs in the background; 0 turns it off (CACHE_STALE_TTL).
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration staleWhileRevalidate = Duration.ZERO;

    /** XFetch early refresh factor, 0 to 10; 0 turns early refresh off (CACHE_EARLY_REFRESH_BETA). */
    private double earlyRefreshBeta = 1.0;

    /** Shorten each TTL by a random fraction up to this, 0 to 0.5; 0 turns it off (CACHE_TTL_JITTER). */
    private double ttlJitter = 0.0;

    /** Larger results are returned but not cached (CACHE_MAX_ENTRY_BYTES). */
    private int maxEntryBytes = 1048576;

    /** The circuit breaker in front of the cache. */
    private final Breaker breaker = new Breaker();

    /** The in-process store (engine local). */
    private final Local local = new Local();

    /** The Memcached store (engine memcached). */
    private final Memcached memcached = new Memcached();

    /** The near tier: hot entries kept decoded in process, exact through Redis or Valkey tracking. */
    private final Near near = new Near();

    /** The database, when the application has no R2DBC ConnectionFactory of its own. */
    @NestedConfigurationProperty
    private final CacheAsideDbProperties db = new CacheAsideDbProperties();

    /** Change-stream invalidation (module cache-aside-debezium). */
    @NestedConfigurationProperty
    private final CacheAsideCdcProperties cdc = new CacheAsideCdcProperties();

    /** The health indicator of the cache. */
    private final Health health = new Health();

    /** The Micrometer meters. */
    private final Metrics metrics = new Metrics();

    /**
     * These properties under the library's variable names ({@code CACHE_*}, {@code DB_*},
     * {@code MEMCACHED_*}), for {@link dev.cacheaside.env.Settings#of(Map)}; properties that
     * are not set (no default here, such as the port) are left out, so that the library's
     * engine-dependent defaults apply. Durations are written in milliseconds ({@code 250ms}).
     */
    public Map<String, String> toVariables() {
        return CacheAsideVariables.of(this);
    }

    /** An empty or blank value (as {@code ${CACHE_HOST:}} gives) counts as not set. */
    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    static String redact(String secret) {
        return secret == null || secret.isEmpty() ? null : REDACTED;
    }

    /** The engine, host, port and options; passwords shown as {@code (redacted)}. */
    @Override
    public String toString() {
        return "CacheAsideProperties[engine=" + engine + ", host=" + host + ", port=" + port + ", nodes=" + nodes
                + ", cluster=" + cluster + ", sentinelMaster=" + sentinelMaster
                + ", sentinelPassword=" + redact(sentinelPassword) + ", user=" + user
                + ", password=" + redact(password) + ", tls=" + tls + ", tlsCaFile=" + tlsCaFile
                + ", database=" + database + ", connectTimeout=" + connectTimeout + ", ttl=" + ttl
                + ", keyPrefix=" + keyPrefix + ", timeout=" + timeout + ", leases=" + leases
                + ", leaseTtl=" + leaseTtl + ", leaseWait=" + leaseWait
                + ", staleWhileRevalidate=" + staleWhileRevalidate + ", earlyRefreshBeta=" + earlyRefreshBeta
                + ", ttlJitter=" + ttlJitter + ", maxEntryBytes=" + maxEntryBytes + ", " + breaker + ", " + local
                + ", " + memcached + ", " + near + ", " + db + ", " + cdc + ", " + health + ", " + metrics + "]";
    }

    // ---------------------------------------------------------------- accessors

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public String getEngine() { return engine; }
    public void setEngine(String engine) { this.engine = blankToNull(engine); }
    public String getHost() { return host; }
    public void setHost(String host) { this.host = blankToNull(host); }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public List<String> getNodes() { return nodes; }
    public void setNodes(List<String> nodes) {
        this.nodes = new ArrayList<>();
        if (nodes != null) {
            nodes.stream().filter(n -> n != null && !n.isBlank()).map(String::trim).forEach(this.nodes::add);
        }
    }
    public boolean isCluster() { return cluster; }
    public void setCluster(boolean cluster) { this.cluster = cluster; }
    public String getSentinelMaster() { return sentinelMaster; }
    public void setSentinelMaster(String sentinelMaster) { this.sentinelMaster = blankToNull(sentinelMaster); }
    public String getSentinelPassword() { return sentinelPassword; }
    public void setSentinelPassword(String sentinelPassword) { this.sentinelPassword = blankToNull(sentinelPassword); }
    public String getUser() { return user; }
    public void setUser(String user) { this.user = blankToNull(user); }
    public String getPassword() { return password; }
    public void setPassword(String password) { this.password = blankToNull(password); }
    public boolean isTls() { return tls; }
    public void setTls(boolean tls) { this.tls = tls; }
    public String getTlsCaFile() { return tlsCaFile; }
    public void setTlsCaFile(String tlsCaFile) { this.tlsCaFile = blankToNull(tlsCaFile); }
    public int getDatabase() { return database; }
    public void setDatabase(int database) { this.database = database; }
    public Duration getConnectTimeout() { return connectTimeout; }
    public void setConnectTimeout(Duration connectTimeout) { this.connectTimeout = connectTimeout; }
    public Duration getTtl() { return ttl; }
    public void setTtl(Duration ttl) { this.ttl = ttl; }
    public String getKeyPrefix() { return keyPrefix; }
    public void setKeyPrefix(String keyPrefix) { this.keyPrefix = keyPrefix; }
    public Duration getTimeout() { return timeout; }
    public void setTimeout(Duration timeout) { this.timeout = timeout; }
    public boolean isLeases() { return leases; }
    public void setLeases(boolean leases) { this.leases = leases; }
    public Duration getLeaseTtl() { return leaseTtl; }
    public void setLeaseTtl(Duration leaseTtl) { this.leaseTtl = leaseTtl; }
    public Duration getLeaseWait() { return leaseWait; }
    public void setLeaseWait(Duration leaseWait) { this.leaseWait = leaseWait; }
    public Duration getStaleWhileRevalidate() { return staleWhileRevalidate; }
    public void setStaleWhileRevalidate(Duration staleWhileRevalidate) { this.staleWhileRevalidate = staleWhileRevalidate; }
    public double getEarlyRefreshBeta() { return earlyRefreshBeta; }
    public void setEarlyRefreshBeta(double earlyRefreshBeta) { this.earlyRefreshBeta = earlyRefreshBeta; }
    public double getTtlJitter() { return ttlJitter; }
    public void setTtlJitter(double ttlJitter) { this.ttlJitter = ttlJitter; }
    public int getMaxEntryBytes() { return maxEntryBytes; }
    public void setMaxEntryBytes(int maxEntryBytes) { this.maxEntryBytes = maxEntryBytes; }
    public Breaker getBreaker() { return breaker; }
    public Local getLocal() { return local; }
    public Memcached getMemcached() { return memcached; }
    public Near getNear() { return near; }
    public CacheAsideDbProperties getDb() { return db; }
    public CacheAsideCdcProperties getCdc() { return cdc; }
    public Health getHealth() { return health; }
    public Metrics getMetrics() { return metrics; }

    /** {@code cacheaside.breaker.*}: the circuit breaker in front of the cache. */
    public static class Breaker {

        /** Whether a circuit breaker guards the cache; while open, queries go straight to the database (CACHE_BREAKER). */
        private boolean enabled = true;

        /** How long the breaker stays open before it lets probe calls through (CACHE_BREAKER_OPEN). */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration open = Duration.ofSeconds(2);

        /** Percent (1 to 100) of failed calls among the last 20 that opens the breaker (CACHE_BREAKER_FAILURE_RATE). */
        private int failureRate = 50;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public Duration getOpen() { return open; }
        public void setOpen(Duration open) { this.open = open; }
        public int getFailureRate() { return failureRate; }
        public void setFailureRate(int failureRate) { this.failureRate = failureRate; }

        @Override
        public String toString() {
            return "breaker[enabled=" + enabled + ", open=" + open + ", failureRate=" + failureRate + "]";
        }
    }

    /** {@code cacheaside.local.*}: the in-process store. */
    public static class Local {

        /** Bound on the bytes the in-process store holds: keys, values and about 96 bytes per entry (CACHE_LOCAL_MAX_BYTES). */
        private DataSize maxBytes = DataSize.ofMegabytes(64);

        public DataSize getMaxBytes() { return maxBytes; }
        public void setMaxBytes(DataSize maxBytes) { this.maxBytes = maxBytes; }

        @Override
        public String toString() {
            return "local[maxBytes=" + maxBytes + "]";
        }
    }

    /** {@code cacheaside.memcached.*}: the Memcached store. */
    public static class Memcached {

        /** Longest delay between reconnection attempts to a Memcached server (MEMCACHED_MAX_RECONNECT_DELAY). */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration maxReconnectDelay = Duration.ofSeconds(5);

        /** Largest value stored in Memcached; larger results are not cached (MEMCACHED_MAX_VALUE_BYTES). */
        private int maxValueBytes = 1047552;

        /** Unanswered requests allowed per Memcached connection (MEMCACHED_MAX_PENDING). */
        private int maxPending = 10_000;

        public Duration getMaxReconnectDelay() { return maxReconnectDelay; }
        public void setMaxReconnectDelay(Duration maxReconnectDelay) { this.maxReconnectDelay = maxReconnectDelay; }
        public int getMaxValueBytes() { return maxValueBytes; }
        public void setMaxValueBytes(int maxValueBytes) { this.maxValueBytes = maxValueBytes; }
        public int getMaxPending() { return maxPending; }
        public void setMaxPending(int maxPending) { this.maxPending = maxPending; }

        @Override
        public String toString() {
            return "memcached[maxReconnectDelay=" + maxReconnectDelay + ", maxValueBytes=" + maxValueBytes
                    + ", maxPending=" + maxPending + "]";
        }
    }

    /** {@code cacheaside.near.*}: the near tier (Redis and Valkey, standalone or Sentinel). */
    public static class Near {

        /** Whether hot entries are also kept decoded in process, exact through the server's tracking (CACHE_NEAR). */
        private boolean enabled = false;

        /** Bound on the near tier's estimated bytes: twice the entry and key, plus 160 bytes per entry (CACHE_NEAR_MAX_BYTES). */
        private DataSize maxBytes = DataSize.ofMegabytes(64);

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public DataSize getMaxBytes() { return maxBytes; }
        public void setMaxBytes(DataSize maxBytes) { this.maxBytes = maxBytes; }

        @Override
        public String toString() {
            return "near[enabled=" + enabled + ", maxBytes=" + maxBytes + "]";
        }
    }

    /** {@code cacheaside.health.*}: the health indicator of the cache. */
    public static class Health {

        /** Longest a health probe of the cache may take before the cache is reported down. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration timeout = Duration.ofSeconds(1);

        public Duration getTimeout() { return timeout; }
        public void setTimeout(Duration timeout) { this.timeout = timeout; }

        @Override
        public String toString() {
            return "health[timeout=" + timeout + "]";
        }
    }

    /** {@code cacheaside.metrics.*}: the Micrometer meters. */
    public static class Metrics {

        /** Value of the name tag on every cacheaside.* meter. */
        private String name = "default";

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }

        @Override
        public String toString() {
            return "metrics[name=" + name + "]";
        }
    }
}
