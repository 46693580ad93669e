package dev.cacheaside.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The service with its Redis cache pointed at a port where nothing listens, on the real MariaDB:
 * every read still answers (from the database, X-Cache MISS every time), a write still writes
 * and reports the invalidation it could not do, and health says the cache is DOWN.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class CacheDownIT {

    private static final int DEAD_PORT = freePort();

    @Autowired
    WebTestClient http;

    @BeforeAll
    static void servers() {
        TestDatabase.mariadb();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.variables().forEach((k, v) -> registry.add(k, () -> v));
        registry.add("CACHE_ENGINE", () -> "redis");
        registry.add("CACHE_HOST", () -> "127.0.0.1");
        registry.add("CACHE_PORT", () -> Integer.toString(DEAD_PORT));
        registry.add("cacheaside.connect-timeout", () -> "300ms");
    }

    @Test
    void readsAnswerFromTheDatabase() {
        for (String path : new String[] {"/airlines/2", "/flights/3", "/passengers/4/bookings", "/reports/busy-routes"}) {
            EntityExchangeResult<byte[]> first = get(path);
            EntityExchangeResult<byte[]> second = get(path);
            assertThat(second.getResponseBody()).as(path + ": the same answer without a cache")
                    .isEqualTo(first.getResponseBody());
        }
        http.get().uri("/airlines/2").exchange().expectBody().jsonPath("$.airline_id").isEqualTo(2);
    }

    @Test
    void aWriteStillWritesAndSaysTheInvalidationFailed() {
        http.patch().uri("/bookings/{id}", 3).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("seat", "9C"))
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.booking.seat").isEqualTo("9C")
                .jsonPath("$.invalidated[0].error").isNotEmpty();
    }

    @Test
    void healthIsDown() {
        http.get().uri("/actuator/health/cacheAside").exchange()
                .expectStatus().isEqualTo(503)
                .expectBody()
                .jsonPath("$.status").isEqualTo("DOWN")
                .jsonPath("$.details.error").isNotEmpty();
    }

    private EntityExchangeResult<byte[]> get(String path) {
        EntityExchangeResult<byte[]> result = http.get().uri(path).exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("X-Cache", "MISS")
                .expectBody().returnResult();
        assertThat(result.getResponseHeaders().getFirst("Server-Timing")).as(path).startsWith("cache;dur=");
        return result;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
