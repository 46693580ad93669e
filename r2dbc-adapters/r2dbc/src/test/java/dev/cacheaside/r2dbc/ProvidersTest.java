package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.QueryExecutorProvider;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.QueryExecutor;
import dev.cacheaside.spi.Rows;
import io.r2dbc.spi.R2dbcException;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.test.StepVerifier;

class ProvidersTest {

    @Test
    void serviceLoaderFindsEveryEngine() {
        Set<String> engines = new java.util.TreeSet<>();
        for (QueryExecutorProvider p : ServiceLoader.load(QueryExecutorProvider.class)) {
            engines.addAll(p.engines());
        }
        assertThat(engines).containsExactly("h2", "mariadb", "mysql", "postgres", "postgresql");
    }

    @Test
    void settingsBecomeOptions() {
        R2dbcOptions o = R2dbcProviders.options(Settings.of(Map.of("DB_POOL_SIZE", "3", "DB_ACQUIRE_TIMEOUT", "250ms",
                "DB_CONNECT_TIMEOUT", "2s", "DB_STATEMENT_TIMEOUT", "7")));
        assertThat(o.poolMaxSize()).isEqualTo(3);
        assertThat(o.acquireTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.statementTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(R2dbcProviders.options(Settings.empty())).isEqualTo(R2dbcOptions.create());
        assertThatThrownBy(() -> R2dbcProviders.options(Settings.of(Map.of("DB_POOL_SIZE", "0"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("DB_POOL_SIZE");
        assertThatThrownBy(() -> new H2QueryExecutorProvider().create("h2", Settings.of(Map.of("DB_NAME", "x;y"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("DB_NAME='x;y'");
    }

    @Test
    void embeddedDefaultStartsEmptyAndIsSharedByNameWithinTheJvm() {
        Settings settings = Settings.of(Map.of("DB_NAME", "providersh2"));
        String tables = "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = CURRENT_SCHEMA";
        try (QueryExecutor first = new H2QueryExecutorProvider().create("h2", settings)) {
            assertThat(((Number) first.execute(tables, List.of()).block(Duration.ofSeconds(30)).get(0, 0)).longValue())
                    .as("tables in a new in-memory database").isZero();
            first.execute("CREATE TABLE Kept (ID INT PRIMARY KEY)", List.of()).block(Duration.ofSeconds(30));
            first.execute("INSERT INTO kept VALUES (7)", List.of()).block(Duration.ofSeconds(30));
        }
        try (QueryExecutor second = new H2QueryExecutorProvider().create("h2", settings)) {
            Rows rows = second.execute("SELECT * FROM kept", List.of()).block(Duration.ofSeconds(30));
            assertThat(rows.columns()).as("names folded to lower case").containsExactly("id");
            assertThat(rows.get(0, 0)).as("same name, same database, after the first executor closed").isEqualTo(7);
        }
    }

    @ParameterizedTest
    @CsvSource({"mysql,MySqlQueryExecutorProvider", "mariadb,MariaDbQueryExecutorProvider",
        "postgresql,PostgresqlQueryExecutorProvider", "postgres,PostgresqlQueryExecutorProvider"})
    void unreachablePortFailsNamingHostAndPortAndNeverThePassword(String engine, String provider) throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> vars = new HashMap<>();
        vars.put("DB_HOST", "127.0.0.1");
        vars.put("DB_PORT", String.valueOf(closedPort));
        vars.put("DB_PASSWORD", "s3cret-pw");
        vars.put("DB_CONNECT_TIMEOUT", "2s");
        QueryExecutorProvider p = (QueryExecutorProvider) Class.forName("dev.cacheaside.r2dbc." + provider)
                .getConstructor().newInstance();
        assertThat(p.engines()).contains(engine);
        R2dbcQueryExecutor e = (R2dbcQueryExecutor) p.create(engine, Settings.of(vars));
        try {
            assertThat(e.toString()).contains("127.0.0.1:" + closedPort).doesNotContain("s3cret-pw");
            long start = System.nanoTime();
            StepVerifier.create(e.execute("SELECT 1", List.of()))
                    .expectErrorSatisfies(err -> assertThat(err).isInstanceOf(R2dbcException.class)
                            .hasMessageContaining("127.0.0.1:" + closedPort)
                            .hasMessageNotContaining("s3cret-pw"))
                    .verify(Duration.ofSeconds(15));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fails within the timeouts")
                    .isLessThan(Duration.ofSeconds(6));
            assertThat(e.poolMetrics().orElseThrow().acquiredSize()).isZero();
        } finally {
            e.close();
        }
    }

    @Test
    void silentServerFailsWithinTheConnectTimeout() throws Exception {
        // accepts TCP and then says nothing: only the connect timeout can end the handshake
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
            R2dbcQueryExecutor e = (R2dbcQueryExecutor) new PostgresqlQueryExecutorProvider().create("postgresql",
                    Settings.of(Map.of("DB_HOST", "127.0.0.1", "DB_PORT", String.valueOf(silent.getLocalPort()),
                            "DB_CONNECT_TIMEOUT", "500ms", "DB_ACQUIRE_TIMEOUT", "5s")));
            try {
                long start = System.nanoTime();
                StepVerifier.create(e.execute("SELECT 1", List.of()))
                        .expectErrorSatisfies(err -> assertThat(err).isInstanceOf(R2dbcException.class)
                                .hasMessageContaining("127.0.0.1:" + silent.getLocalPort()))
                        .verify(Duration.ofSeconds(15));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ends near the 500ms connect timeout")
                        .isLessThan(Duration.ofMillis(3000));
            } finally {
                e.close();
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"mysql,MySqlQueryExecutorProvider,r2dbc-mysql,io.asyncer:r2dbc-mysql",
        "mariadb,MariaDbQueryExecutorProvider,r2dbc-mariadb,org.mariadb:r2dbc-mariadb",
        "postgresql,PostgresqlQueryExecutorProvider,r2dbc-postgresql,org.postgresql:r2dbc-postgresql",
        "h2,H2QueryExecutorProvider,r2dbc-h2,io.r2dbc:r2dbc-h2"})
    void providerLoadsWithoutItsDriverAndNamesTheArtifactToAdd(String engine, String provider, String jar,
            String artifact) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!new File(entry).getName().startsWith(jar + "-")) {
                urls.add(new File(entry).toURI().toURL());
            }
        }
        try (URLClassLoader isolated = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
            Class<?> providerClass = Class.forName("dev.cacheaside.r2dbc." + provider, true, isolated);
            Object instance = providerClass.getConstructor().newInstance();
            Class<?> settingsClass = Class.forName("dev.cacheaside.env.Settings", true, isolated);
            Object settings = settingsClass.getMethod("empty").invoke(null);
            assertThatThrownBy(() -> {
                try {
                    providerClass.getMethod("create", String.class, settingsClass).invoke(instance, engine, settings);
                } catch (InvocationTargetException ite) {
                    throw ite.getCause();
                }
            }).satisfies(err -> {
                assertThat(err.getClass().getName()).isEqualTo(ConfigurationException.class.getName());
                assertThat(err).hasMessageContaining(artifact).hasMessageContaining("DB_ENGINE=" + engine);
                if (engine.equals("h2")) {
                    assertThat(err).as("the default, not a choice of the user's").hasMessageContaining("DB_ENGINE is not set");
                }
            });
        }
    }

    @Test
    void createConnectsToNothing() {
        try (QueryExecutor e = new MariaDbQueryExecutorProvider().create("mariadb",
                Settings.of(Map.of("DB_HOST", "host.invalid")))) {
            assertThat(e.toString()).contains("host.invalid:3306").contains("user root");
        }
    }
}
