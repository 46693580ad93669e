package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.QueryResult;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import dev.cacheaside.testing.TrackingCacheStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.http.ResponseEntity;

/**
 * {@code cacheaside.near.*} reach the engine's options, a near tier with a store that cannot
 * track fails the start naming the property, and {@code Server-Timing} says when the near tier
 * answered.
 */
class NearPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CacheAsideAutoConfiguration.class));

    @BeforeAll
    static void airlineTable() {
        EmbeddedAirline.create();
    }

    @Test
    void theNearPropertiesReachTheOptions() {
        CacheAsideProperties p = new CacheAsideProperties();
        assertThat(CacheAsideFactory.options(p).nearCache()).as("off by default").isFalse();
        p.getNear().setEnabled(true);
        p.getNear().setMaxBytes(org.springframework.util.unit.DataSize.ofMegabytes(2));
        CacheAsideOptions o = CacheAsideFactory.options(p);
        assertThat(o.nearCache()).as("cacheaside.near.enabled").isTrue();
        assertThat(o.nearCacheMaxBytes()).as("cacheaside.near.max-bytes").isEqualTo(2L * 1024 * 1024);
    }

    @Test
    void aBoundTooSmallNamesItsProperty() {
        runner.withPropertyValues("cacheaside.engine=local", "cacheaside.near.max-bytes=10B").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("(cacheaside.near.max-bytes)");
        });
    }

    @Test
    void aNearTierOverTheInProcessStoreFailsTheStartNamingTheProperty() {
        runner.withPropertyValues("cacheaside.engine=local", "cacheaside.near.enabled=true").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("cacheaside.near.enabled=true cannot be used")
                    .hasStackTraceContaining("cache engine local");
        });
    }

    @Test
    void serverTimingSaysWhenTheNearTierAnswered() {
        TrackingCacheStore store = TrackingCacheStore.over(new InMemoryCacheStore());
        String sql = "SELECT name FROM airline WHERE id = 1";
        try (CacheAside cache = CacheAside.builder()
                .database(CountingQueryExecutor.answering(Rows.of(List.of("name"), List.<Object[]>of(new Object[] {"Aer Lingus"}))))
                .cache(store).options(CacheAsideOptions.builder().nearCache(true).build()).build()) {
            store.listener().tracking();
            QueryResult near = null;
            for (int i = 0; i < 3 && (near == null || !near.fromNearTier()); i++) {
                near = cache.query(sql).block(Duration.ofSeconds(10));
            }
            assertThat(near.fromNearTier()).as("a miss, a remote hit, then a near hit").isTrue();
            ResponseEntity<?> r = CacheAsideResponses.withHeaders(near, ResponseEntity.ok().build());
            assertThat(r.getHeaders().getFirst(CacheAsideResponses.X_CACHE)).isEqualTo("HIT");
            assertThat(r.getHeaders().getFirst(CacheAsideResponses.SERVER_TIMING)).matches("cache;dur=\\d+\\.\\d\\d;desc=\"near\"");
            QueryResult missed = cache.refresh(sql).block(Duration.ofSeconds(10));
            assertThat(CacheAsideResponses.serverTiming(missed)).as("not near: no desc").matches("cache;dur=\\d+\\.\\d\\d");
        }
    }
}
