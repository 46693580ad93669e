package dev.cacheaside.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * {@code cacheaside.cdc.*} without servers: off by default, refused without the module or on a
 * database that has no change stream here, and the watched database read from
 * {@code spring.r2dbc.*}. The streaming itself: {@link ChangeStreamStarterIT}.
 */
class ChangeStreamWiringTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CacheAsideAutoConfiguration.class));

    @BeforeAll
    static void airlineTable() {
        EmbeddedAirline.create();
    }

    @Test
    void offByDefault() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(ChangeStreamLifecycle.class);
            assertThat(context.getBean(CacheAsideProperties.class).getCdc().isEnabled()).isFalse();
        });
    }

    @Test
    void enabledWithoutTheModuleFailsTheStartNamingTheArtifact() {
        runner.withClassLoader(new FilteredClassLoader("dev.cacheaside.debezium"))
                .withPropertyValues("cacheaside.cdc.enabled=true")
                .run(context -> {
                    assertThat(context).as("no change would invalidate anything").hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("cacheaside.cdc.enabled=true")
                            .hasMessageContaining("dev.cacheaside:cache-aside-debezium");
                });
    }

    @Test
    void withoutTheModuleAndNotEnabledTheStartIsUnchanged() {
        runner.withClassLoader(new FilteredClassLoader("dev.cacheaside.debezium"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ChangeStreamLifecycle.class));
    }

    @Test
    void theEmbeddedH2HasNoChangeStreamAndTheStartSaysSo() {
        runner.withPropertyValues("cacheaside.cdc.enabled=true").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("postgresql or mariadb").hasMessageContaining("'h2'");
            assertThat(context.getStartupFailure()).hasMessageContaining("invalid cacheaside.cdc.* property")
                    .hasMessageContaining("spring.r2dbc.url");
        });
    }

    @Test
    void anInvalidCdcPropertyFailsTheStartNamingIt() {
        runner.withPropertyValues("cacheaside.cdc.enabled=true", "cacheaside.db.engine=postgresql",
                        "cacheaside.cdc.slot=bad slot")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).hasMessageContaining("invalid cacheaside.cdc.* property")
                            .hasMessageContaining("slot").hasMessageContaining("bad slot");
                });
    }

    @Test
    void theWatchedDatabaseIsTheApplicationsR2dbcUrl() {
        StandardEnvironment env = environment(Map.of(
                "spring.r2dbc.url", "r2dbc:pool:postgresql://db.internal:5433/shop?maxSize=5",
                "spring.r2dbc.username", "app", "spring.r2dbc.password", "secret"));
        assertThat(ChangeStreams.fromSpringR2dbc(env)).containsExactly(
                entry("DB_ENGINE", "postgresql"), entry("DB_HOST", "db.internal"), entry("DB_PORT", "5433"),
                entry("DB_NAME", "shop"), entry("DB_USER", "app"), entry("DB_PASSWORD", "secret"));
        StandardEnvironment maria = environment(Map.of(
                "spring.r2dbc.url", "r2dbc:mariadb://root:pw@127.0.0.1/airportdb"));
        assertThat(ChangeStreams.fromSpringR2dbc(maria)).containsExactly(
                entry("DB_ENGINE", "mariadb"), entry("DB_HOST", "127.0.0.1"), entry("DB_NAME", "airportdb"),
                entry("DB_USER", "root"), entry("DB_PASSWORD", "pw"));
        assertThat(ChangeStreams.fromSpringR2dbc(environment(Map.of()))).as("no url").isEqualTo(Map.of());
    }

    @Test
    void variableNamesInErrorsBecomeProperties() {
        assertThat(ChangeStreams.property("CACHE_CDC=true needs DB_ENGINE=postgresql; CACHE_CDC_SERVER_ID=0"))
                .isEqualTo("cacheaside.cdc.enabled=true needs DB_ENGINE=postgresql; cacheaside.cdc.server-id=0");
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return env;
    }

    @Test
    void startedAfterTheCacheConnectionAndBeforeTheWebServer() {
        assertThat(ChangeStreamLifecycle.PHASE).as("starts after, stops before the cache connection")
                .isGreaterThan(CacheAsideConnector.PHASE)
                .as("starts before Spring Boot's web server (DEFAULT_PHASE - 2048)")
                .isLessThan(org.springframework.context.SmartLifecycle.DEFAULT_PHASE - 2048);
    }

    @Test
    void aDatabaseThatDoesNotAnswerIsShownAsFailedAndNeverFailsTheStart() throws Exception {
        int closedPort = CacheAsideAutoConfigurationTest.freePort();
        runner.withPropertyValues("cacheaside.engine=local", "cacheaside.db.engine=postgresql",
                        "cacheaside.db.host=127.0.0.1", "cacheaside.db.port=" + closedPort,
                        "cacheaside.cdc.enabled=true", "cacheaside.cdc.lease-ttl=3s")
                .run(context -> {
                    assertThat(context).as("the start does not wait for the change stream").hasNotFailed();
                    ChangeStreamLifecycle cdc = context.getBean(ChangeStreamLifecycle.class);
                    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
                    while (cdc.sourceFailures() == 0 && System.nanoTime() - deadline < 0) {
                        Thread.sleep(20);
                    }
                    assertThat(cdc.sourceFailures()).as("the source failed against a closed port").isPositive();
                    assertThat(cdc.leading()).as("this instance still leads").isTrue();
                    org.springframework.boot.health.contributor.Health health = context
                            .getBean(CacheAsideHealthIndicator.class).health().block(java.time.Duration.ofSeconds(10));
                    assertThat(health.getStatus()).as("the cache's state").isEqualTo(
                            org.springframework.boot.health.contributor.Status.UP);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> details = (Map<String, Object>) health.getDetails().get("changeStream");
                    assertThat(details).as("no pretending: the health says the stream failed")
                            .containsKey("lastError").containsEntry("leading", true);
                    assertThat((String) details.get("status")).isIn("FAILED", "RUNNING");
                    assertThat((Long) details.get("sourceFailures")).isPositive();
                    assertThat(details.get("lastError").toString()).as("a class name, no address")
                            .doesNotContain("127.0.0.1").doesNotContain(String.valueOf(closedPort));
                    context.close();
                    assertThat(cdc.status()).isEqualTo("STOPPED");
                });
    }
}
