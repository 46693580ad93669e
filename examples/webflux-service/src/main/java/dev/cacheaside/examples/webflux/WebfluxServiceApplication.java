package dev.cacheaside.examples.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring WebFlux service over the airport sample, cached with the cache-aside starter.
 *
 * <p>Run it on the embedded default (H2 in memory, filled with the sample, and the in-process
 * cache): {@code mvn -q install -DskipTests && mvn -q -pl examples/webflux-service spring-boot:run}.
 * On real servers, set the library's variables ({@code DB_ENGINE}, {@code DB_HOST}, ...,
 * {@code CACHE_ENGINE}, {@code CACHE_HOST}, ...) in the environment or in {@code ./.env}.
 */
@SpringBootApplication
public class WebfluxServiceApplication {

    /** Starts the service. */
    public static void main(String[] args) {
        SpringApplication.run(WebfluxServiceApplication.class, args);
    }
}
