package com.example.bootapp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import io.lettuce.core.RedisClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The starter on the versions Spring Boot's dependency management gives an application (Lettuce,
 * Netty, Jackson 3), against a real PostgreSQL and Redis: the versions running are Boot's, and a
 * read is a miss, then a hit from Redis, mapped by Boot's own {@code JsonMapper}; a write through
 * {@code cache.update} makes the next read a miss with the new value.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class BootVersionsTest {

    /** Generous for a loaded machine: a connect, one statement, a lease wait, two invalidations. */
    private static final Duration REQUEST_BOUND = Duration.ofSeconds(60);
    private static final String PREFIX = "boot-app-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private static final ParameterizedTypeReference<List<Airline>> AIRLINES = new ParameterizedTypeReference<>() { };

    @Autowired
    CacheAside cache;

    @Autowired
    DatabaseClient db;

    WebTestClient http;

    @Autowired
    void http(WebTestClient client) {
        this.http = client.mutate().responseTimeout(REQUEST_BOUND).build();
    }

    @DynamicPropertySource
    static void prefix(DynamicPropertyRegistry registry) {
        registry.add("cacheaside.key-prefix", () -> PREFIX);
        // a hit must be a hit on a loaded machine too: each cache call may take up to 2 s
        registry.add("cacheaside.timeout", () -> "2s");
    }

    @BeforeAll
    static void servers() {
        boolean required = Boolean.getBoolean("cacheaside.requireServers");
        for (String[] server : new String[][] {{"POSTGRES", "5432"}, {"REDIS", "6379"}}) {
            String host = System.getenv().getOrDefault("TEST_" + server[0] + "_HOST", "127.0.0.1");
            int port = Integer.parseInt(System.getenv().getOrDefault("TEST_" + server[0] + "_PORT", server[1]));
            boolean up = reachable(host, port);
            assertThat(up || !required).as("%s at %s:%d (required)", server[0], host, port).isTrue();
            Assumptions.assumeTrue(up, () -> "skipped: no " + server[0] + " at " + host + ":" + port);
        }
    }

    @BeforeEach
    void table() {
        db.sql("CREATE TABLE IF NOT EXISTS boot_app_airline (airline_id INT PRIMARY KEY, airline_name VARCHAR(50))")
                .then().block(REQUEST_BOUND);
        db.sql("DELETE FROM boot_app_airline").then().block(REQUEST_BOUND);
        db.sql("INSERT INTO boot_app_airline VALUES (1, 'Aerolinea'), (2, 'Boreal')").then().block(REQUEST_BOUND);
        assertThat(cache.connect(Duration.ofSeconds(30)).block(Duration.ofSeconds(35)))
                .as("Redis connected within the connect bound").isTrue();
    }

    @Test
    void theVersionsRunningAreBootsOwn() {
        assertThat(RedisClient.class.getPackage().getImplementationVersion())
                .as("Lettuce").startsWith(System.getProperty("expected.lettuce"));
        assertThat(io.netty.util.Version.identify().get("netty-common").artifactVersion())
                .as("Netty").isEqualTo(System.getProperty("expected.netty"));
        assertThat(tools.jackson.databind.cfg.PackageVersion.VERSION.toString())
                .as("Jackson 3").isEqualTo(System.getProperty("expected.jackson"));
    }

    @Test
    void aReadIsCachedInRedisAndAWriteThroughTheCacheInvalidatesIt() {
        EntityExchangeResult<List<Airline>> miss = get(2);
        assertThat(miss.getResponseHeaders().getFirst("X-Cache")).isEqualTo("MISS");
        assertThat(miss.getResponseBody()).containsExactly(new Airline(2, "Boreal"));
        EntityExchangeResult<List<Airline>> hit = get(2);
        assertThat(hit.getResponseHeaders().getFirst("X-Cache")).isEqualTo("HIT");
        assertThat(hit.getResponseBody()).containsExactly(new Airline(2, "Boreal"));
        assertThat(cache.stats().cacheReadErrors()).as("Redis answered every read").isZero();

        Long changed = http.put().uri("/airlines/2").bodyValue("Borealis").exchange()
                .expectStatus().isOk().expectBody(Long.class).returnResult().getResponseBody();
        assertThat(changed).isEqualTo(1L);
        EntityExchangeResult<List<Airline>> after = get(2);
        assertThat(after.getResponseHeaders().getFirst("X-Cache")).isEqualTo("MISS");
        assertThat(after.getResponseBody()).containsExactly(new Airline(2, "Borealis"));
        assertThat(get(2).getResponseHeaders().getFirst("X-Cache")).isEqualTo("HIT");
    }

    private EntityExchangeResult<List<Airline>> get(int id) {
        return http.get().uri("/airlines/" + id).exchange().expectStatus().isOk()
                .expectBody(AIRLINES).returnResult();
    }

    private static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
