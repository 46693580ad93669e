package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.CacheAside;
import dev.cacheaside.QueryResult;
import dev.cacheaside.Source;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The two headers from real query results (a miss, then a hit), on 200 and on a built response. */
class CacheAsideResponsesTest {

    private static final String SQL = "SELECT name FROM airline WHERE id = ?";

    private final CountingQueryExecutor database = CountingQueryExecutor.answering(
            Rows.of(List.of("name"), List.<Object[]>of(new Object[] {"Aer Lingus"})));
    private final CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore()).build();

    @AfterEach
    void close() {
        cache.close();
    }

    @Test
    void missThenHitWithTheirTimings() {
        ResponseEntity<List<Map<String, Object>>> miss = CacheAsideResponses.ok(cache.query(SQL, 1), r -> r.rows().asMaps())
                .block(Duration.ofSeconds(10));
        ResponseEntity<List<Map<String, Object>>> hit = CacheAsideResponses.ok(cache.query(SQL, 1), r -> r.rows().asMaps())
                .block(Duration.ofSeconds(10));
        assertThat(miss.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(miss.getHeaders().getFirst("X-Cache")).as("first").isEqualTo("MISS");
        assertThat(hit.getHeaders().getFirst("X-Cache")).as("second").isEqualTo("HIT");
        assertThat(hit.getBody()).isEqualTo(List.of(Map.of("name", "Aer Lingus")));
        assertThat(database.executions.get()).as("the hit did not ask the database").isEqualTo(1);
        for (ResponseEntity<?> r : List.of(miss, hit)) {
            assertThat(r.getHeaders().get("Server-Timing")).as("one Server-Timing").hasSize(1);
            assertThat(r.getHeaders().getFirst("Server-Timing")).matches("cache;dur=\\d+\\.\\d\\d");
        }
    }

    @Test
    void theTimingIsTheResultsLatency() {
        QueryResult result = cache.query(SQL, 2).block(Duration.ofSeconds(10));
        assertThat(CacheAsideResponses.serverTiming(result))
                .isEqualTo(String.format(java.util.Locale.ROOT, "cache;dur=%.2f", result.latencyMillis()));
    }

    @Test
    void aBuiltResponseKeepsItsStatusBodyAndHeadersAndGetsTheTwo() {
        ResponseEntity<Object> r = CacheAsideResponses.entity(cache.query(SQL, 3),
                        q -> ResponseEntity.status(HttpStatus.NOT_FOUND).header("X-Cache", "stale-value")
                                .header("Cache-Control", "no-store").body((Object) Map.of("error", "not found")))
                .block(Duration.ofSeconds(10));
        assertThat(r.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(r.getBody()).isEqualTo(Map.of("error", "not found"));
        assertThat(r.getHeaders().get("X-Cache")).as("replaced, not added").containsExactly("MISS");
        assertThat(r.getHeaders().getFirst("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void everySourceHasItsValue() {
        assertThat(CacheAsideResponses.xCache(Source.CACHE_HIT)).isEqualTo("HIT");
        assertThat(CacheAsideResponses.xCache(Source.CACHE_MISS)).isEqualTo("MISS");
        assertThat(CacheAsideResponses.xCache(Source.CACHE_STALE)).isEqualTo("STALE");
    }

    @Test
    void lazyAndErrorsPassThrough() {
        Mono<ResponseEntity<Object>> failing = CacheAsideResponses.ok(Mono.error(new IllegalStateException("db down")),
                r -> r);
        StepVerifier.create(failing).expectErrorMessage("db down").verify(Duration.ofSeconds(5));
        CacheAsideResponses.ok(cache.query(SQL, 4), r -> r);
        assertThat(database.executions.get()).as("nothing runs before subscription").isZero();
        assertThatThrownBy(() -> CacheAsideResponses.ok(cache.query(SQL, 4), null)).isInstanceOf(NullPointerException.class);
    }
}
