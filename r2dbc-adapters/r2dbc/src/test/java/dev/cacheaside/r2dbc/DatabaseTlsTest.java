package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS variables: each driver's option names, and a clear error for every bad combination. */
class DatabaseTlsTest {

    @TempDir
    Path dir;

    @Test
    void eachDriverGetsItsOwnNamesForTheSameMeaning() throws Exception {
        Path ca = Path.of(DatabaseTlsTest.class.getResource("/unit-test-ca.crt").toURI());
        Settings full = Settings.of(Map.of("DB_SSL_MODE", "verify-full", "DB_SSL_ROOT_CERT", ca.toString()));
        assertThat(options(R2dbcProviders.Driver.POSTGRESQL, full)).containsEntry("sslMode", "verify-full")
                .containsEntry("ssl", true).containsKey("sslContextBuilderCustomizer")
                .as("the CA goes in as certificates, never as a path read on a connection")
                .doesNotContainKeys("sslRootCert", "serverSslCert", "sslCa");
        assertThat(options(R2dbcProviders.Driver.MARIADB, full)).containsEntry("sslMode", "verify-full")
                .containsKey("sslContextBuilderCustomizer");
        assertThat(options(R2dbcProviders.Driver.MYSQL, full)).containsEntry("sslMode", "VERIFY_IDENTITY")
                .containsKey("sslContextBuilderCustomizer");
        Settings require = Settings.of(Map.of("DB_SSL_MODE", "REQUIRE"));
        assertThat(options(R2dbcProviders.Driver.MARIADB, require)).containsEntry("sslMode", "trust")
                .doesNotContainKey("sslContextBuilderCustomizer");
        assertThat(options(R2dbcProviders.Driver.MYSQL, require)).containsEntry("sslMode", "REQUIRED");
        assertThat(options(R2dbcProviders.Driver.MYSQL, Settings.of(Map.of("DB_SSL_MODE", "verify-ca"))))
                .as("verify-ca without a CA file: the default trust, no host-name check")
                .containsEntry("sslMode", "VERIFY_CA").containsKey("sslContextBuilderCustomizer");
        Settings disable = Settings.of(Map.of("DB_SSL_MODE", "disable"));
        assertThat(options(R2dbcProviders.Driver.MYSQL, disable)).as("disable is written, as the MySQL driver"
                + " would otherwise encrypt when offered").containsEntry("sslMode", "DISABLED").doesNotContainKey("ssl");
        assertThat(options(R2dbcProviders.Driver.POSTGRESQL, disable)).containsEntry("sslMode", "disable");
        assertThat(options(R2dbcProviders.Driver.POSTGRESQL, Settings.empty())).as("not set: the driver's default")
                .isEmpty();
    }

    @Test
    void aRootCertificateMustHoldCertificates() throws IOException {
        Path notPem = Files.writeString(dir.resolve("ca.crt"), "not a certificate");
        assertThatThrownBy(() -> DatabaseTls.of(R2dbcProviders.Driver.POSTGRESQL,
                Settings.of(Map.of("DB_SSL_MODE", "verify-ca", "DB_SSL_ROOT_CERT", notPem.toString()))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("DB_SSL_ROOT_CERT")
                .hasMessageContaining("not a PEM file");
    }

    @Test
    void badCombinationsAreRefusedNamingTheVariable() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.crt"), "x");
        assertThatThrownBy(() -> DatabaseTls.of(R2dbcProviders.Driver.POSTGRESQL, Settings.of(Map.of("DB_SSL_MODE", "prefer"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("DB_SSL_MODE")
                .hasMessageContaining("verify-full");
        assertThatThrownBy(() -> DatabaseTls.of(R2dbcProviders.Driver.MARIADB,
                Settings.of(Map.of("DB_SSL_MODE", "require", "DB_SSL_ROOT_CERT", ca.toString()))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("DB_SSL_ROOT_CERT")
                .hasMessageContaining("verify-ca");
        assertThatThrownBy(() -> DatabaseTls.of(R2dbcProviders.Driver.POSTGRESQL,
                Settings.of(Map.of("DB_SSL_MODE", "verify-ca", "DB_SSL_ROOT_CERT", dir.resolve("missing.crt").toString()))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("not a readable file");
        assertThatThrownBy(() -> DatabaseTls.of(R2dbcProviders.Driver.H2, Settings.of(Map.of("DB_SSL_MODE", "require"))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("h2").hasMessageContaining("no TLS");
        assertThatThrownBy(() -> new H2QueryExecutorProvider().create("h2", Settings.of(Map.of("DB_SSL_MODE", "require"))))
                .as("the H2 provider checks it too").isInstanceOf(ConfigurationException.class);
    }

    private static Map<String, Object> options(R2dbcProviders.Driver driver, Settings settings) {
        ConnectionFactoryOptions.Builder builder = ConnectionFactoryOptions.builder();
        DatabaseTls.of(driver, settings).applyTo(driver, builder);
        ConnectionFactoryOptions built = builder.build();
        Map<String, Object> out = new java.util.HashMap<>();
        for (String name : new String[] {"ssl", "sslMode", "sslRootCert", "serverSslCert", "sslCa",
                "sslContextBuilderCustomizer"}) {
            Object value = built.getValue(Option.valueOf(name));
            if (value != null) {
                out.put(name, value);
            }
        }
        return out;
    }
}
