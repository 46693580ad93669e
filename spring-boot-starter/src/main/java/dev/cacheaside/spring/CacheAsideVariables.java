package dev.cacheaside.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link CacheAsideProperties} under the library's variable names ({@code CACHE_*}, {@code DB_*},
 * {@code MEMCACHED_*}, {@code CACHE_CDC_*}), for {@link dev.cacheaside.env.Settings#of(Map)}. A property that is not
 * set (no default, such as the port) is left out, so that the library's engine-dependent default
 * applies; durations are written in milliseconds ({@code 250ms}).
 */
final class CacheAsideVariables {

    private CacheAsideVariables() {
    }

    /** The variables of {@code p}, in a map that keeps the order above; secrets included, never log it. */
    static Map<String, String> of(CacheAsideProperties p) {
        Map<String, String> v = new LinkedHashMap<>();
        put(v, "CACHE_ENGINE", p.getEngine());
        put(v, "CACHE_HOST", p.getHost());
        put(v, "CACHE_PORT", p.getPort());
        put(v, "CACHE_NODES", p.getNodes().isEmpty() ? null : String.join(",", p.getNodes()));
        put(v, "CACHE_CLUSTER", p.isCluster());
        put(v, "CACHE_SENTINEL_MASTER", p.getSentinelMaster());
        put(v, "CACHE_SENTINEL_PASSWORD", p.getSentinelPassword());
        put(v, "CACHE_USER", p.getUser());
        put(v, "CACHE_PASSWORD", p.getPassword());
        put(v, "CACHE_TLS", p.isTls());
        put(v, "CACHE_TLS_CA_FILE", p.getTlsCaFile());
        put(v, "CACHE_DATABASE", p.getDatabase());
        put(v, "CACHE_CONNECT_TIMEOUT", millis(p.getConnectTimeout()));
        put(v, "CACHE_TTL", millis(p.getTtl()));
        put(v, "CACHE_KEY_PREFIX", p.getKeyPrefix());
        put(v, "CACHE_TIMEOUT", millis(p.getTimeout()));
        put(v, "CACHE_LEASES", p.isLeases());
        put(v, "CACHE_LEASE_TTL", millis(p.getLeaseTtl()));
        put(v, "CACHE_LEASE_WAIT", millis(p.getLeaseWait()));
        put(v, "CACHE_STALE_TTL", millis(p.getStaleWhileRevalidate()));
        put(v, "CACHE_EARLY_REFRESH_BETA", p.getEarlyRefreshBeta());
        put(v, "CACHE_TTL_JITTER", p.getTtlJitter());
        CacheAsideProperties.Breaker breaker = p.getBreaker();
        put(v, "CACHE_BREAKER", breaker.isEnabled());
        put(v, "CACHE_BREAKER_OPEN", millis(breaker.getOpen()));
        put(v, "CACHE_BREAKER_FAILURE_RATE", breaker.getFailureRate());
        put(v, "CACHE_MAX_ENTRY_BYTES", p.getMaxEntryBytes());
        put(v, "CACHE_LOCAL_MAX_BYTES", p.getLocal().getMaxBytes() == null ? null : p.getLocal().getMaxBytes().toBytes());
        put(v, "CACHE_NEAR", p.getNear().isEnabled());
        put(v, "CACHE_NEAR_MAX_BYTES", p.getNear().getMaxBytes() == null ? null : p.getNear().getMaxBytes().toBytes());
        CacheAsideProperties.Memcached memcached = p.getMemcached();
        put(v, "MEMCACHED_MAX_RECONNECT_DELAY", millis(memcached.getMaxReconnectDelay()));
        put(v, "MEMCACHED_MAX_VALUE_BYTES", memcached.getMaxValueBytes());
        put(v, "MEMCACHED_MAX_PENDING", memcached.getMaxPending());
        CacheAsideDbProperties db = p.getDb();
        put(v, "DB_ENGINE", db.getEngine());
        put(v, "DB_HOST", db.getHost());
        put(v, "DB_PORT", db.getPort());
        put(v, "DB_USER", db.getUser());
        put(v, "DB_PASSWORD", db.getPassword());
        put(v, "DB_NAME", db.getName());
        put(v, "DB_SSL_MODE", db.getSslMode());
        put(v, "DB_SSL_ROOT_CERT", db.getSslRootCert());
        put(v, "DB_POOL_SIZE", db.getPoolSize());
        put(v, "DB_ACQUIRE_TIMEOUT", millis(db.getAcquireTimeout()));
        put(v, "DB_CONNECT_TIMEOUT", millis(db.getConnectTimeout()));
        put(v, "DB_STATEMENT_TIMEOUT", millis(db.getStatementTimeout()));
        CacheAsideCdcProperties cdc = p.getCdc();
        put(v, "CACHE_CDC", cdc.isEnabled());
        put(v, "CACHE_CDC_NAME", cdc.getName());
        put(v, "CACHE_CDC_TABLES", cdc.getTables().isEmpty() ? null : String.join(",", cdc.getTables()));
        put(v, "CACHE_CDC_SCHEMA", cdc.getSchema());
        put(v, "CACHE_CDC_SLOT", cdc.getSlot());
        put(v, "CACHE_CDC_PUBLICATION", cdc.getPublication());
        put(v, "CACHE_CDC_DROP_SLOT", cdc.isDropSlot());
        put(v, "CACHE_CDC_SERVER_ID", cdc.getServerId());
        put(v, "CACHE_CDC_OFFSETS_TABLE", cdc.getOffsetsTable());
        put(v, "CACHE_CDC_LEASE_TTL", millis(cdc.getLeaseTtl()));
        return v;
    }

    private static void put(Map<String, String> v, String name, Object value) {
        if (value != null && !value.toString().isBlank()) {
            v.put(name, value.toString());
        }
    }

    private static String millis(Duration d) {
        if (d == null) {
            return null;
        }
        try {
            return d.toMillis() + "ms";
        } catch (ArithmeticException e) {
            // too long for milliseconds: passed on as seconds, which Settings refuses by name
            return d.getSeconds() + "s";
        }
    }
}
