package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code DB_SSL_MODE} and {@code DB_SSL_ROOT_CERT} against the local PostgreSQL and MariaDB (the
 * MySQL driver too, on MariaDB), with TLS switched on by {@code scripts/services.sh}: its test CA,
 * a server certificate that names {@code localhost} only, and an unrelated CA. Each case asks the
 * server whether the session it served is encrypted.
 */
class DatabaseTlsIT {

    /** Where scripts/services.sh keeps the test certificates ({@code CACHEASIDE_DB_TLS_DIR} overrides). */
    private static final Path TLS_DIR = Path.of(System.getenv().getOrDefault("CACHEASIDE_DB_TLS_DIR",
            "/var/lib/cacheaside-services/db-tls"));

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb", "mysql"})
    void eachModeGivesTheSessionItAsksFor(String engine) {
        Settings base = settings(engine);
        assertThat(encrypted(engine, base.with("DB_SSL_MODE", "disable"))).as("disable").isFalse();
        assertThat(encrypted(engine, base.with("DB_SSL_MODE", "require"))).as("require").isTrue();
        assertThat(encrypted(engine, base.with("DB_HOST", "localhost").with("DB_SSL_MODE", "verify-full")
                .with("DB_SSL_ROOT_CERT", cert("ca.crt")))).as("verify-full to the name on the certificate").isTrue();
        assertThat(encrypted(engine, base.with("DB_HOST", "127.0.0.1").with("DB_SSL_MODE", "verify-ca")
                .with("DB_SSL_ROOT_CERT", cert("ca.crt")))).as("verify-ca does not check the name").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb", "mysql"})
    void verifyFullRefusesAHostTheCertificateDoesNotName(String engine) {
        Settings wrongName = settings(engine).with("DB_HOST", "127.0.0.1").with("DB_SSL_MODE", "verify-full")
                .with("DB_SSL_ROOT_CERT", cert("ca.crt"));
        assertThatThrownBy(() -> encrypted(engine, wrongName)).as("verify-full to 127.0.0.1, a certificate for localhost")
                .satisfies(DatabaseTlsIT::refusedByTls);
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb", "mysql"})
    void verifyCaRefusesACertificateOfAnotherCa(String engine) {
        Settings otherCa = settings(engine).with("DB_HOST", "localhost").with("DB_SSL_MODE", "verify-ca")
                .with("DB_SSL_ROOT_CERT", cert("other-ca.crt"));
        assertThatThrownBy(() -> encrypted(engine, otherCa)).as("verify-ca trusting an unrelated CA")
                .satisfies(DatabaseTlsIT::refusedByTls);
    }

    /** The failure came from the TLS handshake (the certificate check), not from anything else. */
    private static void refusedByTls(Throwable failure) {
        boolean tls = false;
        for (Throwable t = failure; t != null && !tls; t = t.getCause()) {
            tls = t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException;
        }
        assertThat(tls).as("a TLS handshake failure somewhere in " + failure).isTrue();
    }

    /** Whether the server reports the session that served one query as encrypted. */
    private static boolean encrypted(String engine, Settings settings) {
        R2dbcQueryExecutor executor = AbstractDatabaseIT.executorFor(settings);
        try {
            String sql = engine.equals("postgresql")
                    ? "SELECT CASE WHEN ssl THEN 'yes' ELSE 'no' END AS tls FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
                    : "SELECT CASE WHEN VARIABLE_VALUE <> '' THEN 'yes' ELSE 'no' END AS tls"
                            + " FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER'";
            Rows rows = executor.execute(sql, List.of()).block(Duration.ofSeconds(30));
            assertThat(rows.size()).as(engine + ": the session's own status row").isEqualTo(1);
            return "yes".equals(rows.get(0, "tls"));
        } finally {
            executor.closeAsync().block(Duration.ofSeconds(30));
        }
    }

    private static Settings settings(String engine) {
        if (!Files.isReadable(TLS_DIR.resolve("ca.crt")) || !Files.isReadable(TLS_DIR.resolve("other-ca.crt"))) {
            TestServers.unavailable("no database TLS certificates in " + TLS_DIR + " (scripts/services.sh makes them)");
        }
        Map<String, String> env = engine.equals("postgresql")
                ? AbstractDatabaseIT.env("POSTGRES", "postgresql", 5432, "postgres", "test")
                : AbstractDatabaseIT.env("MARIADB", engine, 3306, "root", "test");
        env.put("DB_POOL_SIZE", "1");
        env.put("DB_CONNECT_TIMEOUT", "10s");
        // the acquire bound covers the connect, the TLS handshake and the session set-up: on a
        // loaded machine the default 5 s cut a handshake short, so it is three connect timeouts
        env.put("DB_ACQUIRE_TIMEOUT", "30s");
        return Settings.of(env);
    }

    private static String cert(String name) {
        return TLS_DIR.resolve(name).toString();
    }
}
