package dev.cacheaside.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.testing.TestServers;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The service with {@code CACHE_NEAR=true} on Redis: a read is a miss, then hits, and once the
 * near tier holds the entry its answer says so ({@code X-Cache: HIT},
 * {@code Server-Timing: cache;dur=..;desc="near"}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class NearServiceIT {

    private static final String PREFIX = "webflux-near-it-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    /** How long the near tier may take to hold an entry: its tracking confirmed, the fill's own push past. */
    private static final Duration NEAR_WITHIN = Duration.ofSeconds(10);
    private static String redis;

    WebTestClient http;

    @Autowired
    void http(WebTestClient client) {
        this.http = client.mutate().responseTimeout(WebfluxServiceIT.REQUEST_BOUND).build();
    }

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
        registry.add("CACHE_NEAR", () -> "true");
    }

    @Test
    void aHotReadIsAnsweredByTheNearTierAndItsTimingSaysSo() {
        EntityExchangeResult<byte[]> miss = get("/airlines/3");
        assertThat(miss.getResponseHeaders().getFirst("X-Cache")).as("first read").isEqualTo("MISS");
        assertThat(timing(miss)).matches("cache;dur=\\d+\\.\\d{2}");
        long deadline = System.nanoTime() + NEAR_WITHIN.toNanos();
        EntityExchangeResult<byte[]> near;
        do {
            near = get("/airlines/3");
            assertThat(near.getResponseHeaders().getFirst("X-Cache")).as("every later read hits").isEqualTo("HIT");
        } while (!timing(near).endsWith(";desc=\"near\"") && System.nanoTime() < deadline);
        assertThat(timing(near)).as("a read answered by the near tier within %s", NEAR_WITHIN)
                .matches("cache;dur=\\d+\\.\\d{2};desc=\"near\"");
        assertThat(near.getResponseBody()).as("the near hit returns what the miss did").isEqualTo(miss.getResponseBody());
    }

    private EntityExchangeResult<byte[]> get(String path) {
        EntityExchangeResult<byte[]> result = http.get().uri(path).exchange().expectBody().returnResult();
        assertThat(result.getStatus().value()).as(path + " status").isEqualTo(200);
        return result;
    }

    private static String timing(EntityExchangeResult<byte[]> result) {
        return result.getResponseHeaders().getFirst("Server-Timing");
    }
}
