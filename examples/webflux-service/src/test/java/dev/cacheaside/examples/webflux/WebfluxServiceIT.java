package dev.cacheaside.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.CacheAsideOptions;
import dev.cacheaside.r2dbc.R2dbcOptions;
import dev.cacheaside.testing.TestServers;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The running service on real servers (MariaDB with the sample in {@code cacheaside_webflux},
 * Redis), through HTTP: X-Cache and Server-Timing on every read (MISS, then HIT), invalidation
 * after a write, health and metrics through Actuator. Each run uses its own key prefix, so
 * entries left in Redis by an earlier run never turn a first read into a hit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class WebfluxServiceIT {

    private static final String PREFIX = "webflux-it-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private static String redis;

    /**
     * The longest one request may take by the service's configured limits, used as the HTTP
     * client's response timeout instead of WebTestClient's 5 s, which a busy machine exceeds:
     * the pool's acquire limit (AirportDatabase, 5 s, which includes connecting), one statement
     * (the starter's statement timeout), one lease wait, and two invalidations of a write (each
     * bounded by the invalidation timeout; a read's cache calls are bounded by far less).
     */
    static final Duration REQUEST_BOUND = Duration.ofSeconds(5)
            .plus(R2dbcOptions.DEFAULT_STATEMENT_TIMEOUT)
            .plus(CacheAsideOptions.DEFAULT_LEASE_WAIT)
            .plus(CacheAsideOptions.DEFAULT_INVALIDATION_TIMEOUT.multipliedBy(2));

    WebTestClient http;

    @Autowired
    void http(WebTestClient client) {
        this.http = client.mutate().responseTimeout(REQUEST_BOUND).build();
    }

    @Autowired
    CacheAside cacheAside;

    @Autowired
    DatabaseClient database;

    @BeforeAll
    static void servers() {
        TestDatabase.mariadb();
        redis = TestServers.require("REDIS", 6379);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.variables().forEach((k, v) -> registry.add(k, () -> v));
        registry.add("CACHE_ENGINE", () -> "redis");
        registry.add("CACHE_HOST", () -> redis.substring(0, redis.lastIndexOf(':')));
        registry.add("CACHE_PORT", () -> redis.substring(redis.lastIndexOf(':') + 1));
        registry.add("CACHE_KEY_PREFIX", () -> PREFIX);
    }

    @Test
    void everyReadIsAMissThenAHitWithItsTiming() {
        cacheAside.invalidate(AirportQueries.BUSY_ROUTES).block(Duration.ofSeconds(5));
        for (String path : List.of("/airlines/3", "/flights/11", "/passengers/12/bookings", "/reports/busy-routes")) {
            EntityExchangeResult<byte[]> first = get(path, "MISS");
            EntityExchangeResult<byte[]> second = get(path, "HIT");
            assertThat(second.getResponseBody()).as(path + ": the hit returns what the miss did")
                    .isEqualTo(first.getResponseBody());
        }
        http.get().uri("/flights/11").exchange().expectBody()
                .jsonPath("$.from.iata").isNotEmpty()
                .jsonPath("$.to.iata").isNotEmpty()
                .jsonPath("$.airline.airlinename").isNotEmpty();
        http.get().uri("/reports/busy-routes").exchange().expectBody()
                .jsonPath("$.length()").isEqualTo(10)
                .jsonPath("$[0].passengers").isNumber();
        get("/airlines/100000", "MISS");
    }

    @Test
    void aWriteInvalidatesWhatItAffects() {
        Map<String, Object> booking = database.sql(
                        "SELECT booking_id, seat, price FROM booking WHERE passenger_id = 7 ORDER BY booking_id LIMIT 1")
                .fetch().one().block(Duration.ofSeconds(10));
        int id = ((Number) booking.get("booking_id")).intValue();
        String newSeat = "1A".equals(booking.get("seat")) ? "2B" : "1A";
        BigDecimal price = (BigDecimal) booking.get("price");
        BigDecimal newPrice = price.compareTo(new BigDecimal("9000")) > 0 ? new BigDecimal("100.00")
                : price.add(new BigDecimal("1.00"));

        get("/passengers/7/bookings", null);
        get("/passengers/7/bookings", "HIT");
        get("/reports/busy-routes", null);
        get("/reports/busy-routes", "HIT");

        http.patch().uri("/bookings/{id}", id).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("seat", newSeat, "price", newPrice))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().doesNotExist("X-Cache")
                .expectHeader().exists("Server-Timing")
                .expectBody()
                .jsonPath("$.booking.seat").isEqualTo(newSeat)
                .jsonPath("$.invalidated[0].query").isEqualTo("passenger-bookings")
                .jsonPath("$.invalidated[0].removed").isEqualTo(true)
                .jsonPath("$.invalidated[1].query").isEqualTo("busy-routes")
                .jsonPath("$.invalidated[1].removed").isEqualTo(true);

        Map<String, Object> after = http.get().uri("/passengers/7/bookings").exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-Cache", "MISS")
                .expectBody(new ParameterizedTypeReference<Map<String, Object>>() { })
                .returnResult().getResponseBody();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) after.get("bookings");
        Map<String, Object> changed = rows.stream().filter(r -> ((Number) r.get("booking_id")).intValue() == id)
                .findFirst().orElseThrow();
        assertThat(changed.get("seat")).as("the new seat after the invalidation").isEqualTo(newSeat);
        assertThat(new BigDecimal(changed.get("price").toString())).as("the new price").isEqualByComparingTo(newPrice);
        get("/passengers/7/bookings", "HIT");
        get("/reports/busy-routes", "MISS");
    }

    @Test
    void healthAndMetricsThroughActuator() {
        get("/airlines/4", null);
        http.get().uri("/actuator/health/cacheAside").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.details.circuit").isEqualTo("CLOSED")
                .jsonPath("$.details.hitRatio").isNumber();
        http.get().uri("/actuator/metrics/cacheaside.results").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.measurements[0].value").isNumber();
    }

    /** GETs {@code path}, expecting 2xx or 404, the X-Cache value (when not null) and a Server-Timing. */
    private EntityExchangeResult<byte[]> get(String path, String xCache) {
        EntityExchangeResult<byte[]> result = http.get().uri(path).exchange()
                .expectBody().returnResult();
        assertThat(result.getStatus().value()).as(path + " status").isIn(200, 404);
        String header = result.getResponseHeaders().getFirst("X-Cache");
        if (xCache != null) {
            assertThat(header).as(path + " X-Cache").isEqualTo(xCache);
        } else {
            assertThat(header).as(path + " X-Cache").isIn("HIT", "MISS", "STALE");
        }
        assertThat(result.getResponseHeaders().getFirst("Server-Timing")).as(path + " Server-Timing")
                .matches("cache;dur=\\d+\\.\\d{2}");
        return result;
    }
}
