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
}
