package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.r2dbc.R2dbcOptions;
import dev.cacheaside.caffeine.LocalStoreOptions;
import dev.cacheaside.debezium.ChangeStreamConsumer;
import dev.cacheaside.debezium.DebeziumSourceOptions;
import dev.cacheaside.memcached.MemcachedStoreOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

/** The properties' defaults, their mapping to the library's variables, and redaction. */
class CacheAsidePropertiesTest {

    @Test
    void defaultsAreTheLibrarys() {
        CacheAsideProperties p = new CacheAsideProperties();
        CacheAsideOptions o = CacheAsideOptions.defaults();
        assertThat(p.getTtl()).as("ttl").isEqualTo(o.defaultTtl());
        assertThat(p.getKeyPrefix()).as("key-prefix").isEqualTo(CacheAsideOptions.DEFAULT_KEY_PREFIX);
        assertThat(p.getTimeout()).as("timeout").isEqualTo(CacheAsideOptions.DEFAULT_CACHE_TIMEOUT);
        assertThat(p.isLeases()).as("leases").isEqualTo(CacheAsideOptions.DEFAULT_LEASES);
        assertThat(p.getLeaseTtl()).as("lease-ttl").isEqualTo(CacheAsideOptions.DEFAULT_LEASE_TTL);
        assertThat(p.getLeaseWait()).as("lease-wait").isEqualTo(CacheAsideOptions.DEFAULT_LEASE_WAIT);
        assertThat(p.getStaleWhileRevalidate()).isEqualTo(CacheAsideOptions.DEFAULT_STALE_WHILE_REVALIDATE);
        assertThat(p.getEarlyRefreshBeta()).isEqualTo(CacheAsideOptions.DEFAULT_EARLY_REFRESH_BETA);
        assertThat(p.getTtlJitter()).isEqualTo(CacheAsideOptions.DEFAULT_TTL_JITTER);
        assertThat(p.getMaxEntryBytes()).isEqualTo(CacheAsideOptions.DEFAULT_MAX_ENTRY_BYTES);
        assertThat(p.getBreaker().getOpen()).isEqualTo(
                CacheAsideOptions.DEFAULT_CIRCUIT_BREAKER.getWaitIntervalFunctionInOpenState().apply(1)
                        .longValue() == 2000 ? Duration.ofSeconds(2) : Duration.ZERO);
        assertThat(p.getBreaker().getFailureRate()).isEqualTo(
                (int) CacheAsideOptions.DEFAULT_CIRCUIT_BREAKER.getFailureRateThreshold());
        assertThat(p.getLocal().getMaxBytes().toBytes()).isEqualTo(LocalStoreOptions.DEFAULT_MAXIMUM_BYTES);
        assertThat(p.getNear().isEnabled()).as("near tier").isEqualTo(CacheAsideOptions.DEFAULT_NEAR_CACHE);
        assertThat(p.getNear().getMaxBytes().toBytes()).as("near max-bytes").isEqualTo(CacheAsideOptions.DEFAULT_NEAR_CACHE_MAX_BYTES);
        assertThat(p.getMemcached().getMaxReconnectDelay()).isEqualTo(MemcachedStoreOptions.DEFAULT_MAX_RECONNECT_DELAY);
        assertThat(p.getMemcached().getMaxValueBytes()).isEqualTo(MemcachedStoreOptions.DEFAULT_MAX_VALUE_SIZE);
        assertThat(p.getMemcached().getMaxPending()).isEqualTo(MemcachedStoreOptions.DEFAULT_MAX_PENDING_REQUESTS);
        assertThat(p.getDb().getPoolSize()).isEqualTo(R2dbcOptions.DEFAULT_POOL_MAX_SIZE);
        assertThat(p.getDb().getAcquireTimeout()).isEqualTo(R2dbcOptions.DEFAULT_ACQUIRE_TIMEOUT);
        assertThat(p.getDb().getConnectTimeout()).isEqualTo(R2dbcOptions.DEFAULT_CONNECT_TIMEOUT);
        assertThat(p.getDb().getStatementTimeout()).isEqualTo(R2dbcOptions.DEFAULT_STATEMENT_TIMEOUT);
        CacheAsideCdcProperties cdc = p.getCdc();
        assertThat(cdc.isEnabled()).as("cdc off by default").isFalse();
        assertThat(cdc.getName()).isEqualTo(DebeziumSourceOptions.DEFAULT_NAME);
        assertThat(cdc.getSchema()).isEqualTo(DebeziumSourceOptions.DEFAULT_SCHEMA);
        assertThat(cdc.getSlot()).isEqualTo(DebeziumSourceOptions.DEFAULT_SLOT);
        assertThat(cdc.getPublication()).isEqualTo(DebeziumSourceOptions.DEFAULT_PUBLICATION);
        assertThat(cdc.getServerId()).isEqualTo(DebeziumSourceOptions.DEFAULT_SERVER_ID);
        assertThat(cdc.getOffsetsTable()).isEqualTo(DebeziumSourceOptions.DEFAULT_OFFSETS_TABLE);
        assertThat(cdc.getLeaseTtl()).isEqualTo(ChangeStreamConsumer.DEFAULT_LEASE_TTL);
        assertThat(cdc.getTables()).isEmpty();
        assertThat(cdc.isDropSlot()).isFalse();
    }

    @Test
    void propertiesMapToTheLibrarysVariableNames() {
        CacheAsideProperties p = new CacheAsideProperties();
        p.setEngine("memcached");
        p.setNodes(List.of("10.0.0.1:11211", "10.0.0.2:11211"));
        p.setTtl(Duration.ofMinutes(5));
        p.setPassword("pw");
        p.getDb().setEngine("postgresql");
        p.getDb().setHost("db.example");
        p.getDb().setPort(5433);
        p.getDb().setPassword("dbpw");
        Map<String, String> v = p.toVariables();
        assertThat(v).containsEntry("CACHE_ENGINE", "memcached")
                .containsEntry("CACHE_NODES", "10.0.0.1:11211,10.0.0.2:11211")
                .containsEntry("CACHE_TTL", "300000ms")
                .containsEntry("CACHE_PASSWORD", "pw")
                .containsEntry("DB_ENGINE", "postgresql")
                .containsEntry("DB_HOST", "db.example")
                .containsEntry("DB_PORT", "5433")
                .containsEntry("DB_PASSWORD", "dbpw")
                .containsEntry("CACHE_LOCAL_MAX_BYTES", Long.toString(64L * 1024 * 1024))
                .as("unset properties leave the library's engine-dependent defaults")
                .doesNotContainKeys("CACHE_HOST", "CACHE_PORT", "CACHE_CONNECT_TIMEOUT", "DB_USER");
        assertThat(p.toString()).doesNotContain("pw,").doesNotContain("dbpw")
                .contains("password=(redacted)");
    }

    @Test
    void springDataRedisSettingsAreUsedForRedisWithoutAHostOfItsOwn() {
        DataRedisConnectionDetails details = new DataRedisConnectionDetails() {
            @Override
            public String getPassword() {
                return "redis-pw";
            }

            @Override
            public Standalone getStandalone() {
                return Standalone.of("redis.internal", 6390, 3);
            }
        };
        StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("details", details));
        ObjectProvider<DataRedisConnectionDetails> provider = beans.getBeanProvider(DataRedisConnectionDetails.class);

        CacheAsideProperties redis = new CacheAsideProperties();
        redis.setEngine("redis");
        assertThat(SpringDataRedis.variables(redis, provider)).containsEntry("CACHE_HOST", "redis.internal")
                .containsEntry("CACHE_PORT", "6390").containsEntry("CACHE_DATABASE", "3")
                .containsEntry("CACHE_PASSWORD", "redis-pw");

        CacheAsideProperties ownHost = new CacheAsideProperties();
        ownHost.setEngine("valkey");
        ownHost.setHost("valkey.internal");
        assertThat(SpringDataRedis.variables(ownHost, provider)).as("cacheaside.host wins").isEmpty();

        CacheAsideProperties local = new CacheAsideProperties();
        assertThat(SpringDataRedis.variables(local, provider)).as("not for the local engine").isEmpty();
    }

    @Test
    void aDurationTooLongForMillisecondsIsRefusedByItsVariableName() {
        CacheAsideProperties p = new CacheAsideProperties();
        p.setTtl(Duration.ofSeconds(Long.MAX_VALUE / 2));
        p.setConnectTimeout(Duration.ofDays(2));
        Map<String, String> vars = p.toVariables();
        dev.cacheaside.env.Settings settings = dev.cacheaside.env.Settings.of(vars);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings.getDuration("CACHE_TTL", Duration.ZERO))
                .isInstanceOf(dev.cacheaside.config.ConfigurationException.class).hasMessageContaining("CACHE_TTL=");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.cacheaside.env.CacheAsideEnvironment.create(
                        settings.with("CACHE_TTL", null).with("CACHE_ENGINE", "redis")))
                .isInstanceOf(dev.cacheaside.config.ConfigurationException.class)
                .hasMessageContaining("CACHE_CONNECT_TIMEOUT=");
    }
}
