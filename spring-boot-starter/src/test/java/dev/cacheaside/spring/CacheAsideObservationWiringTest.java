package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import dev.cacheaside.Source;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter's {@link CacheAside} is observed when the application has an
 * {@link ObservationRegistry} bean, and works unobserved without one, or without Micrometer's
 * observation API on the class path (embedded H2 and the local store; no servers).
 */
class CacheAsideObservationWiringTest {

    private static final String AIRLINE = "SELECT airline_id, airlinename FROM airline WHERE airline_id = 1";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CacheAsideAutoConfiguration.class))
            .withPropertyValues("cacheaside.engine=local", "cacheaside.key-prefix=obs-wiring:");

    @BeforeAll
    static void airlineTable() {
        EmbeddedAirline.create();
    }

    @Test
    void anObservationRegistryBeanObservesEveryQuery() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        runner.withBean(ObservationRegistry.class, () -> registry).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(CacheAsideFactory.Observers.class);
            assertThat(context.getBean(CacheAside.class).query(AIRLINE).block(Duration.ofSeconds(60)).source())
                    .isEqualTo(Source.CACHE_MISS);
            TestObservationRegistryAssert.assertThat(registry)
                    .hasNumberOfObservationsWithNameEqualTo("cacheaside.query", 1)
                    .hasObservationWithNameEqualTo("cacheaside.query").that()
                    .hasLowCardinalityKeyValue(CacheAsideObservations.SOURCE, "miss")
                    .hasLowCardinalityKeyValue(CacheAsideObservations.DATABASE, "h2")
                    .hasLowCardinalityKeyValue(CacheAsideObservations.CACHE, "local")
                    .hasBeenStopped();
            TestObservationRegistryAssert.assertThat(registry)
                    .hasNumberOfObservationsWithNameEqualTo("cacheaside.database.load", 1);
        });
    }

    @Test
    void withoutARegistryQueriesAreNotObserved() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(CacheAsideFactory.Observers.class);
            assertThat(context.getBean(CacheAside.class).query(AIRLINE).block(Duration.ofSeconds(60)).rows().size())
                    .isEqualTo(1);
        });
    }

    @Test
    void withoutTheObservationApiTheStarterStillWorks() {
        runner.withClassLoader(new FilteredClassLoader("io.micrometer.observation")).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(CacheAsideFactory.Observers.class);
            assertThat(context.getBean(CacheAside.class).query(AIRLINE).block(Duration.ofSeconds(60)).rows().size())
                    .isEqualTo(1);
        });
    }
}
