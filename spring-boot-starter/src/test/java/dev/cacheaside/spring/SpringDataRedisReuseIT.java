package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.testing.TestServers;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * With {@code cacheaside.engine=redis} and no host of its own, the store goes to the Redis that
 * the application's {@code spring.data.redis.*} names (a real server), and health is UP. The
 * database is the embedded H2 default, with the table {@link EmbeddedAirline} creates.
 */
class SpringDataRedisReuseIT {

    /** cacheaside.connect-timeout in the first test: how long the cache may take to connect. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    @BeforeAll
    static void airlineTable() {
        EmbeddedAirline.create();
    }

    @Test
    void redisFromSpringDataRedisSettings() {
        String redis = TestServers.require("REDIS", 6379);
        String host = redis.substring(0, redis.lastIndexOf(':'));
        String port = redis.substring(redis.lastIndexOf(':') + 1);
        String prefix = "starter-it-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, CacheAsideAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.host=" + host, "spring.data.redis.port=" + port,
                        "cacheaside.engine=redis", "cacheaside.key-prefix=" + prefix,
                        "cacheaside.connect-timeout=" + CONNECT_TIMEOUT.toMillis() + "ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    CacheAside cache = context.getBean(CacheAside.class);
                    // on a busy machine the first connection can take longer than one cache read
                    // (250 ms): wait for it, bounded by the connect timeout, so the first query
                    // is a miss because the key is new, not because nothing was connected yet
                    assertThat(cache.connect(CONNECT_TIMEOUT).block(CONNECT_TIMEOUT.plusSeconds(5)))
                            .as("the cache at " + redis + " answered within the connect timeout").isTrue();
                    String sql = "SELECT airline_id, airlinename FROM airline WHERE airline_id = 2";
                    QueryResult miss = cache.query(sql).block(Duration.ofSeconds(60));
                    QueryResult hit = cache.query(sql).block(Duration.ofSeconds(10));
                    assertThat(miss.source()).isEqualTo(Source.CACHE_MISS);
                    assertThat(hit.source()).as("served by the Redis at " + redis).isEqualTo(Source.CACHE_HIT);
                    assertThat(cache.stats().cacheReadErrors()).as("no cache errors").isZero();
                    Health health = context.getBean(CacheAsideHealthIndicator.class).health()
                            .block(Duration.ofSeconds(5));
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(cache.invalidate(sql).block(Duration.ofSeconds(5))).as("the entry was in Redis").isTrue();
                });
    }

    @Test
    void springDataRedisSettingsAreReallyUsed() throws Exception {
        // the same, with spring.data.redis at a port where nothing listens: the cache must fail,
        // which proves the store follows spring.data.redis and not its own default (localhost:6379)
        int deadPort = CacheAsideAutoConfigurationTest.freePort();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, CacheAsideAutoConfiguration.class))
                .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + deadPort,
                        "cacheaside.engine=redis", "cacheaside.connect-timeout=300ms")
                .run(context -> {
                    CacheAside cache = context.getBean(CacheAside.class);
                    QueryResult r = cache.query("SELECT airline_id FROM airline WHERE airline_id = 3")
                            .block(Duration.ofSeconds(60));
                    assertThat(r.source()).isEqualTo(Source.CACHE_MISS);
                    assertThat(cache.stats().cacheReadErrors()).as("reads went to port " + deadPort).isPositive();
                    assertThat(context.getBean(CacheAsideHealthIndicator.class).health().block(Duration.ofSeconds(5))
                            .getStatus()).isEqualTo(Status.DOWN);
                });
    }
}
