package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The conditions of {@link CacheAsideAutoConfiguration}, on the embedded defaults (no servers):
 * H2 in memory, which starts empty, so the queries read a table created here.
 */
class CacheAsideAutoConfigurationTest {

    private static final String AIRLINE = "SELECT airline_id, airlinename FROM airline WHERE airline_id = 1";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CacheAsideAutoConfiguration.class));

    @BeforeAll
    static void airlineTable() {
        EmbeddedAirline.create();
    }

    @Test
    void threePropertiesGiveAWorkingCacheAside() {
        runner.withPropertyValues("cacheaside.engine=local", "cacheaside.ttl=5m", "cacheaside.key-prefix=app:")
                .run(context -> {
                    assertThat(context).as("context starts").hasNotFailed().hasSingleBean(CacheAside.class);
                    CacheAside cache = context.getBean(CacheAside.class);
                    assertThat(cache.options().defaultTtl()).as("cacheaside.ttl").isEqualTo(Duration.ofMinutes(5));
                    assertThat(cache.keyFor(AIRLINE)).as("cacheaside.key-prefix").startsWith("app:");
                    QueryResult first = cache.query(AIRLINE).block(Duration.ofSeconds(60));
                    QueryResult second = cache.query(AIRLINE).block(Duration.ofSeconds(10));
                    assertThat(first.source()).as("first query (embedded H2 + local store)").isEqualTo(Source.CACHE_MISS);
                    assertThat(first.rows().size()).as("airline 1 of the table").isEqualTo(1);
                    assertThat(second.source()).as("second query").isEqualTo(Source.CACHE_HIT);
                    assertThat(second.rows().asMaps()).isEqualTo(first.rows().asMaps());
                });
    }

    @Test
    void theCacheConnectionOpensAtStart() {
        runner.withPropertyValues("cacheaside.engine=local").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(CacheAsideConnector.class);
            CacheAsideConnector connector = context.getBean(CacheAsideConnector.class);
            assertThat(connector.isRunning()).as("started with the context").isTrue();
            assertThat(connector.connected()).as("the cache answered during the start").isTrue();
        });
    }

    @Test
    void aCacheThatIsDownNeverFailsTheStart() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Duration connectTimeout = Duration.ofSeconds(1);
        runner.withPropertyValues("cacheaside.engine=redis", "cacheaside.host=127.0.0.1", "cacheaside.port=" + closedPort,
                        "cacheaside.connect-timeout=" + connectTimeout.toMillis() + "ms")
                .run(context -> {
                    assertThat(context).as("the context starts without its cache").hasNotFailed();
                    assertThat(context.getBean(CacheAside.class).options().connectTimeout()).isEqualTo(connectTimeout);
                    assertThat(context.getBean(CacheAsideConnector.class).connected()).as("nobody answered").isFalse();
                    QueryResult r = context.getBean(CacheAside.class).query(AIRLINE).block(Duration.ofSeconds(60));
                    assertThat(r.source()).as("queries go to the database").isEqualTo(Source.CACHE_MISS);
                });
    }

    @Test
    void anApplicationsOwnCacheAsideWins() {
        runner.withUserConfiguration(OwnCacheAside.class).run(context -> {
            assertThat(context).hasSingleBean(CacheAside.class);
            assertThat(context.getBean(CacheAside.class)).as("the user's bean, not one built from properties")
                    .isSameAs(context.getBean(OwnCacheAside.class).cacheAside);
            assertThat(context.getBean(CacheAside.class).options().keyPrefix()).isEqualTo("own:");
        });
    }

    @Test
    void theApplicationsConnectionFactoryIsUsed() {
        runner.withUserConfiguration(OwnConnectionFactory.class).run(context -> {
            assertThat(context).hasNotFailed();
            // the table exists only in the application's database, not in the built-in H2 default
            QueryResult result = context.getBean(CacheAside.class).query("SELECT marker FROM only_here")
                    .block(Duration.ofSeconds(30));
            assertThat(result.rows().asMaps()).as("rows from the application's ConnectionFactory")
                    .containsExactly(java.util.Map.of("marker", "application-database"));
        });
    }

    @Test
    void metersAreBoundWhenARegistryExists() {
        runner.withUserConfiguration(Registry.class).run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            CacheAside cache = context.getBean(CacheAside.class);
            cache.query(AIRLINE).block(Duration.ofSeconds(60));
            cache.query(AIRLINE).block(Duration.ofSeconds(10));
            FunctionCounter misses = registry.find("cacheaside.results").tag("source", "miss").functionCounter();
            FunctionCounter hits = registry.find("cacheaside.results").tag("source", "hit").tag("name", "default")
                    .functionCounter();
            assertThat(misses).as("cacheaside.results{source=miss} registered").isNotNull();
            assertThat(misses.count()).isEqualTo(1.0);
            assertThat(hits.count()).isEqualTo(1.0);
            assertThat(registry.find("cacheaside.database.time").timer()).as("timings recorded").isNotNull();
        });
    }

    @Test
    void noMetersWithoutARegistry() {
        runner.run(context -> assertThat(context).doesNotHaveBean(CacheAsideAutoConfiguration.MeterBinding.class));
    }

    @Test
    void healthIsUpWithCircuitAndHitRatio() {
        runner.run(context -> {
            CacheAside cache = context.getBean(CacheAside.class);
            cache.query(AIRLINE).block(Duration.ofSeconds(60));
            cache.query(AIRLINE).block(Duration.ofSeconds(10));
            Health health = context.getBean("cacheAsideHealthIndicator", CacheAsideHealthIndicator.class)
                    .health().block(Duration.ofSeconds(5));
            assertThat(health.getStatus()).as("local store answers the probe").isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("circuit", "CLOSED").containsEntry("hitRatio", 0.5)
                    .containsEntry("hits", 1L).containsEntry("misses", 1L).containsKey("probeMillis");
        });
    }

    @Test
    void healthIsDownWhenTheCacheDoesNotAnswerAndShowsNoPassword() throws IOException {
        int deadPort = freePort();
        runner.withPropertyValues("cacheaside.engine=redis", "cacheaside.host=127.0.0.1",
                        "cacheaside.port=" + deadPort, "cacheaside.password=s3cret-Pw-123",
                        "cacheaside.connect-timeout=300ms", "cacheaside.health.timeout=2s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Health health = context.getBean(CacheAsideHealthIndicator.class).health()
                            .block(Duration.ofSeconds(10));
                    assertThat(health.getStatus()).as("nothing listens on port " + deadPort).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails()).containsKeys("circuit", "hitRatio", "error");
                    assertThat(health.toString()).as("health details").doesNotContain("s3cret-Pw-123");
                    assertThat(context.getBean(CacheAsideProperties.class).toString()).as("properties toString")
                            .doesNotContain("s3cret-Pw-123").contains("password=(redacted)");
                    assertThat(context.getBean(CacheAside.class).toString()).doesNotContain("s3cret-Pw-123");
                    // queries still answer from the database while the cache is down
                    QueryResult r = context.getBean(CacheAside.class).query(AIRLINE).block(Duration.ofSeconds(60));
                    assertThat(r.source()).isEqualTo(Source.CACHE_MISS);
                    assertThat(r.rows().size()).isEqualTo(1);
                });
    }

    @Test
    void healthIndicatorCanBeTurnedOff() {
        runner.withPropertyValues("management.health.cacheaside.enabled=false")
                .run(context -> assertThat(context).hasSingleBean(CacheAside.class)
                        .doesNotHaveBean(CacheAsideHealthIndicator.class));
    }

    @Test
    void anInvalidPropertyFailsTheStartNamingIt() {
        runner.withPropertyValues("cacheaside.ttl-jitter=0.9").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("ttlJitter");
            assertThat(context.getStartupFailure()).hasStackTraceContaining("invalid cacheaside.* property")
                    .hasStackTraceContaining("(cacheaside.ttl-jitter)");
        });
        runner.withPropertyValues("cacheaside.engine=nosuch").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("cacheaside.engine='nosuch'")
                    .hasStackTraceContaining("redis");
        });
    }

    @Test
    void typedPropertiesBecomeTheLibrarysOptions() {
        runner.withPropertyValues("cacheaside.ttl=90", "cacheaside.timeout=100ms", "cacheaside.leases=false",
                "cacheaside.stale-while-revalidate=30s", "cacheaside.ttl-jitter=0.2",
                "cacheaside.breaker.enabled=false", "cacheaside.max-entry-bytes=2048").run(context -> {
                    CacheAsideOptions o = context.getBean(CacheAside.class).options();
                    assertThat(o.defaultTtl()).as("a bare number is seconds").isEqualTo(Duration.ofSeconds(90));
                    assertThat(o.cacheTimeout()).isEqualTo(Duration.ofMillis(100));
                    assertThat(o.leases()).isFalse();
                    assertThat(o.staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(o.ttlJitter()).isEqualTo(0.2);
                    assertThat(o.circuitBreaker()).isNull();
                    assertThat(context.getBean(CacheAside.class).cacheCircuitState()).isEqualTo("DISABLED");
                    assertThat(o.maxEntryBytes()).isEqualTo(2048);
                });
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnCacheAside {
        final CacheAside cacheAside = CacheAside.builder()
                .database(CountingQueryExecutor.answering(Rows.of(List.of("x"), List.<Object[]>of(new Object[] {1}))))
                .cache(new InMemoryCacheStore())
                .options(CacheAsideOptions.builder().keyPrefix("own:").build())
                .build();

        @Bean
        CacheAside myCacheAside() {
            return cacheAside;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnConnectionFactory {
        @Bean
        ConnectionFactory applicationConnectionFactory() {
            ConnectionFactory factory = ConnectionFactories.get(
                    "r2dbc:h2:mem:///starter_reuse_test?options=DB_CLOSE_DELAY=-1;DATABASE_TO_LOWER=TRUE");
            Mono.usingWhen(factory.create(),
                    c -> Flux.from(c.createStatement("CREATE TABLE IF NOT EXISTS only_here (marker VARCHAR(40))")
                                    .execute()).flatMap(r -> r.getRowsUpdated()).then()
                            .thenMany(Flux.from(c.createStatement("DELETE FROM only_here").execute())
                                    .flatMap(r -> r.getRowsUpdated()))
                            .thenMany(Flux.from(c.createStatement(
                                    "INSERT INTO only_here VALUES ('application-database')").execute())
                                    .flatMap(r -> r.getRowsUpdated()))
                            .then(),
                    c -> c.close()).block(Duration.ofSeconds(30));
            return factory;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}
