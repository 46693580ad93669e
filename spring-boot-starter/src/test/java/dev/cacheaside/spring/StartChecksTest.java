package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The starter either does what the properties ask or refuses to start naming what is missing:
 * one test per case where it used to fall back without a word.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartChecksTest {

    private static final String NO_DATABASE_WARNING = "no database is configured";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CacheAsideAutoConfiguration.class));

    /** As if the application had no Spring Boot Redis module on its class path. */
    private final FilteredClassLoader withoutSpringDataRedis =
            new FilteredClassLoader("org.springframework.boot.data.redis");

    @Test
    void springDataRedisSettingsWithoutItsModuleFailTheStart() {
        runner.withClassLoader(withoutSpringDataRedis)
                .withPropertyValues("cacheaside.engine=redis", "spring.data.redis.host=10.1.2.3",
                        "spring.data.redis.database=8")
                .run(context -> {
                    assertThat(context).as("a start that would ignore spring.data.redis.*").hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("spring.data.redis.* is set")
                            .hasMessageContaining("spring-boot-data-redis")
                            .hasMessageContaining("cacheaside.host");
                });
    }

    @Test
    void springDataRedisSettingsAsEnvironmentVariablesCountToo() {
        runner.withClassLoader(withoutSpringDataRedis)
                .withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource("test-systemEnvironment",
                                Map.<String, Object>of("SPRING_DATA_REDIS_DATABASE", "8"))))
                .withPropertyValues("cacheaside.engine=valkey")
                .run(context -> assertThat(context).as("spring.data.redis.database by its relaxed name").hasFailed());
    }

    @Test
    void theStartersOwnCacheAddressNeedsNoRedisModule() {
        runner.withClassLoader(withoutSpringDataRedis)
                .withPropertyValues("cacheaside.engine=redis", "cacheaside.host=127.0.0.1",
                        "cacheaside.port=" + closedPort(), "cacheaside.connect-timeout=500ms",
                        "spring.data.redis.host=10.1.2.3")
                .run(context -> assertThat(context).as("cacheaside.host names the cache: nothing is ignored")
                        .hasNotFailed().hasSingleBean(CacheAside.class));
    }

    @Test
    void springDataRedisSettingsAreNotCheckedForAnotherEngine() {
        runner.withClassLoader(withoutSpringDataRedis)
                .withPropertyValues("cacheaside.engine=local", "spring.data.redis.host=10.1.2.3")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(CacheAside.class));
    }

    @Test
    void anR2dbcUrlWithoutAConnectionFactoryFailsTheStart() {
        runner.withPropertyValues("spring.r2dbc.url=r2dbc:postgresql://db.internal/app")
                .run(context -> {
                    assertThat(context).as("a start that would ignore spring.r2dbc.url").hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("spring.r2dbc.* is set")
                            .hasMessageContaining("spring-boot-starter-r2dbc");
                });
    }

    @Test
    void twoConnectionFactoriesWithoutAPrimaryFailTheStart() {
        runner.withUserConfiguration(TwoFactories.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("2 R2DBC ConnectionFactory beans").hasMessageContaining("@Primary");
        });
    }

    @Test
    void theEmbeddedDefaultWarnsWhenNothingNamesADatabase(CapturedOutput output) {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(CacheAside.class);
            assertThat(output.getOut() + output.getErr()).as("the start's log").contains(NO_DATABASE_WARNING);
        });
    }

    @Test
    void aNamedDatabaseGivesNoWarning(CapturedOutput output) {
        runner.withPropertyValues("cacheaside.db.engine=h2", "cacheaside.db.name=starter_named")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(CacheAside.class);
                    assertThat(output.getOut() + output.getErr()).as("the start's log").doesNotContain(NO_DATABASE_WARNING);
                });
    }

    @Test
    void enabledFalseTurnsTheStarterOff() {
        runner.withPropertyValues("cacheaside.enabled=false", "spring.r2dbc.url=r2dbc:postgresql://db.internal/app")
                .run(context -> {
                    assertThat(context).as("nothing is checked or built").hasNotFailed();
                    assertThat(context).doesNotHaveBean(CacheAside.class).doesNotHaveBean(CacheAsideConnector.class);
                });
    }

    private static int closedPort() {
        try {
            return CacheAsideAutoConfigurationTest.freePort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoFactories {
        @Bean
        ConnectionFactory first() {
            return ConnectionFactories.get("r2dbc:h2:mem:///starter_first?options=DB_CLOSE_DELAY=-1");
        }

        @Bean
        ConnectionFactory second() {
            return ConnectionFactories.get("r2dbc:h2:mem:///starter_second?options=DB_CLOSE_DELAY=-1");
        }
    }

}
