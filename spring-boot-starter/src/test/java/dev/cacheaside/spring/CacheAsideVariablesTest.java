package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Every property reaches the library under its own variable name, with its own value. */
class CacheAsideVariablesTest {

    @Test
    void everyPropertyHasItsVariable() {
        CacheAsideProperties p = new CacheAsideProperties();
        p.setEngine("redis");
        p.setHost("cache.internal");
        p.setPort(6390);
        p.setNodes(List.of(" a:1 ", "", "b:2"));
        p.setCluster(true);
        p.setSentinelMaster("primary");
        p.setSentinelPassword("sentinel-pw");
        p.setUser("app");
        p.setPassword("cache-pw");
        p.setTls(true);
        p.setTlsCaFile("/etc/ca.pem");
        p.setDatabase(4);
        p.setConnectTimeout(Duration.ofSeconds(3));
        p.setTtl(Duration.ofMinutes(2));
        p.setKeyPrefix("app:");
        p.setTimeout(Duration.ofMillis(75));
        p.setLeases(false);
        p.setLeaseTtl(Duration.ofSeconds(11));
        p.setLeaseWait(Duration.ofMillis(1500));
        p.setStaleWhileRevalidate(Duration.ofSeconds(30));
        p.setEarlyRefreshBeta(2.0);
        p.setTtlJitter(0.1);
        p.setMaxEntryBytes(2048);
        p.getBreaker().setEnabled(false);
        p.getBreaker().setOpen(Duration.ofSeconds(7));
        p.getBreaker().setFailureRate(25);
        p.getLocal().setMaxBytes(DataSize.ofKilobytes(8));
        p.getNear().setEnabled(true);
        p.getNear().setMaxBytes(DataSize.ofKilobytes(16));
        p.getMemcached().setMaxReconnectDelay(Duration.ofSeconds(9));
        p.getMemcached().setMaxValueBytes(4096);
        p.getMemcached().setMaxPending(77);
        p.getDb().setEngine("mariadb");
        p.getDb().setHost("db.internal");
        p.getDb().setPort(3307);
        p.getDb().setUser("reader");
        p.getDb().setPassword("db-pw");
        p.getDb().setName("shop");
        p.getDb().setSslMode("verify-full");
        p.getDb().setSslRootCert("/etc/ssl/db-ca.pem");
        p.getDb().setPoolSize(3);
        p.getDb().setAcquireTimeout(Duration.ofSeconds(4));
        p.getDb().setConnectTimeout(Duration.ofSeconds(6));
        p.getDb().setStatementTimeout(Duration.ofSeconds(12));
        p.getCdc().setEnabled(true);
        p.getCdc().setName("shop-cdc");
        p.getCdc().setTables(List.of(" orders", "", "items "));
        p.getCdc().setSchema("sales");
        p.getCdc().setSlot("shop_slot");
        p.getCdc().setPublication("shop_pub");
        p.getCdc().setDropSlot(true);
        p.getCdc().setServerId(7001);
        p.getCdc().setOffsetsTable("shop_offsets");
        p.getCdc().setLeaseTtl(Duration.ofSeconds(15));

        assertThat(p.toVariables()).containsExactly(
                entry("CACHE_ENGINE", "redis"),
                entry("CACHE_HOST", "cache.internal"),
                entry("CACHE_PORT", "6390"),
                entry("CACHE_NODES", "a:1,b:2"),
                entry("CACHE_CLUSTER", "true"),
                entry("CACHE_SENTINEL_MASTER", "primary"),
                entry("CACHE_SENTINEL_PASSWORD", "sentinel-pw"),
                entry("CACHE_USER", "app"),
                entry("CACHE_PASSWORD", "cache-pw"),
                entry("CACHE_TLS", "true"),
                entry("CACHE_TLS_CA_FILE", "/etc/ca.pem"),
                entry("CACHE_DATABASE", "4"),
                entry("CACHE_CONNECT_TIMEOUT", "3000ms"),
                entry("CACHE_TTL", "120000ms"),
                entry("CACHE_KEY_PREFIX", "app:"),
                entry("CACHE_TIMEOUT", "75ms"),
                entry("CACHE_LEASES", "false"),
                entry("CACHE_LEASE_TTL", "11000ms"),
                entry("CACHE_LEASE_WAIT", "1500ms"),
                entry("CACHE_STALE_TTL", "30000ms"),
                entry("CACHE_EARLY_REFRESH_BETA", "2.0"),
                entry("CACHE_TTL_JITTER", "0.1"),
                entry("CACHE_BREAKER", "false"),
                entry("CACHE_BREAKER_OPEN", "7000ms"),
                entry("CACHE_BREAKER_FAILURE_RATE", "25"),
                entry("CACHE_MAX_ENTRY_BYTES", "2048"),
                entry("CACHE_LOCAL_MAX_BYTES", "8192"),
                entry("CACHE_NEAR", "true"),
                entry("CACHE_NEAR_MAX_BYTES", "16384"),
                entry("MEMCACHED_MAX_RECONNECT_DELAY", "9000ms"),
                entry("MEMCACHED_MAX_VALUE_BYTES", "4096"),
                entry("MEMCACHED_MAX_PENDING", "77"),
                entry("DB_ENGINE", "mariadb"),
                entry("DB_HOST", "db.internal"),
                entry("DB_PORT", "3307"),
                entry("DB_USER", "reader"),
                entry("DB_PASSWORD", "db-pw"),
                entry("DB_NAME", "shop"),
                entry("DB_SSL_MODE", "verify-full"),
                entry("DB_SSL_ROOT_CERT", "/etc/ssl/db-ca.pem"),
                entry("DB_POOL_SIZE", "3"),
                entry("DB_ACQUIRE_TIMEOUT", "4000ms"),
                entry("DB_CONNECT_TIMEOUT", "6000ms"),
                entry("DB_STATEMENT_TIMEOUT", "12000ms"),
                entry("CACHE_CDC", "true"),
                entry("CACHE_CDC_NAME", "shop-cdc"),
                entry("CACHE_CDC_TABLES", "orders,items"),
                entry("CACHE_CDC_SCHEMA", "sales"),
                entry("CACHE_CDC_SLOT", "shop_slot"),
                entry("CACHE_CDC_PUBLICATION", "shop_pub"),
                entry("CACHE_CDC_DROP_SLOT", "true"),
                entry("CACHE_CDC_SERVER_ID", "7001"),
                entry("CACHE_CDC_OFFSETS_TABLE", "shop_offsets"),
                entry("CACHE_CDC_LEASE_TTL", "15000ms"));
        assertThat(p.toString()).as("toString hides both passwords and the Sentinels' one")
                .doesNotContain("cache-pw").doesNotContain("db-pw").doesNotContain("sentinel-pw");
    }
}
