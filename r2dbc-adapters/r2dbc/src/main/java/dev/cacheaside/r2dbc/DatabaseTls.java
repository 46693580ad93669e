package dev.cacheaside.r2dbc;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.netty.handler.ssl.SslContextBuilder;
import io.r2dbc.spi.Option;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * TLS to the database from {@code DB_SSL_MODE} and {@code DB_SSL_ROOT_CERT}, one meaning for every
 * server engine, written into each driver's own options.
 *
 * <ul>
 *   <li>{@code disable} (the default): no TLS.</li>
 *   <li>{@code require}: encrypted; the server's certificate is not checked.</li>
 *   <li>{@code verify-ca}: encrypted, and the certificate must be signed by a trusted CA.</li>
 *   <li>{@code verify-full}: as verify-ca, and the certificate must name the host connected to.</li>
 * </ul>
 * {@code DB_SSL_ROOT_CERT} is a PEM file of the CA to trust, for verify-ca and verify-full only
 * (without it the driver's default trust applies). H2 runs inside the JVM and takes no TLS.
 * Immutable.
 */
final class DatabaseTls {

    static final String MODE = "DB_SSL_MODE";
    static final String ROOT_CERT = "DB_SSL_ROOT_CERT";
    static final List<String> MODES = List.of("disable", "require", "verify-ca", "verify-full");

    private static final DatabaseTls DISABLED = new DatabaseTls("disable", null);

    final String mode;
    final Path rootCert;

    private DatabaseTls(String mode, Path rootCert) {
        this.mode = mode;
        this.rootCert = rootCert;
    }

    /**
     * The TLS settings of {@code settings} for {@code driver}.
     *
     * @throws ConfigurationException naming the variable: an unknown mode, TLS asked of H2, a root
     *     certificate with a mode that verifies nothing, or one that is not a readable file
     */
    static DatabaseTls of(R2dbcProviders.Driver driver, Settings settings) {
        String mode = settings.getChoice(MODE, "disable", MODES);
        String cert = settings.get(ROOT_CERT).map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
        if (driver == R2dbcProviders.Driver.H2) {
            if (!mode.equals("disable") || cert != null) {
                throw new ConfigurationException(mode.equals("disable") ? ROOT_CERT : MODE, (mode.equals("disable")
                        ? ROOT_CERT + " is set" : MODE + "=" + mode + " is set")
                        + " but DB_ENGINE=h2 runs inside this JVM and takes no TLS; remove it");
            }
            return DISABLED;
        }
        if (cert == null) {
            return mode.equals("disable") ? DISABLED : new DatabaseTls(mode, null);
        }
        if (!mode.startsWith("verify-")) {
            throw new ConfigurationException(ROOT_CERT, ROOT_CERT + " is set but " + MODE + "=" + mode
                    + " does not check the server's certificate; use " + MODE + "=verify-ca or verify-full");
        }
        Path path;
        try {
            path = Path.of(cert);
        } catch (InvalidPathException e) {
            throw new ConfigurationException(ROOT_CERT, ROOT_CERT + "='" + cert + "' is not a file path: " + e.getReason());
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigurationException(ROOT_CERT, ROOT_CERT + "='" + cert + "' is not a readable file");
        }
        return new DatabaseTls(mode, path.toAbsolutePath());
    }

    /** Writes these settings into {@code builder} under {@code driver}'s option names. */
    void applyTo(R2dbcProviders.Driver driver, ConnectionFactoryOptions.Builder builder) {
        if (mode.equals("disable")) {
            return;
        }
        String driverMode;
        String certOption;
        switch (driver) {
            case POSTGRESQL:
                driverMode = mode;
                certOption = "sslRootCert";
                break;
            case MARIADB:
                driverMode = mode.equals("require") ? "trust" : mode;
                certOption = "serverSslCert";
                break;
            case MYSQL:
                driverMode = mode.equals("verify-full") ? "VERIFY_IDENTITY" : mode.toUpperCase(Locale.ROOT)
                        .replace('-', '_').replace("REQUIRE", "REQUIRED");
                certOption = "sslCa";
                break;
            default:
                throw new IllegalStateException("no TLS for " + driver);
        }
        builder.option(ConnectionFactoryOptions.SSL, true);
        builder.option(Option.valueOf("sslMode"), driverMode);
        if (mode.equals("verify-ca")) {
            // Netty 4.2 checks the host name of every client TLS session unless told not to;
            // verify-ca trusts the CA's signature alone, as in libpq
            builder.option(Option.valueOf("sslContextBuilderCustomizer"), Tls.NO_HOST_NAME_CHECK);
        }
        if (rootCert != null) {
            builder.option(Option.valueOf(certOption), rootCert.toString());
        }
    }

    /** Netty's side, loaded only when verify-ca is used (and so a driver, with Netty, is present). */
    private static final class Tls {
        static final UnaryOperator<SslContextBuilder> NO_HOST_NAME_CHECK =
                b -> b.endpointIdentificationAlgorithm(null);
    }

    /** For log lines and errors: the mode, and the CA file when there is one (never a secret). */
    @Override
    public String toString() {
        return rootCert == null ? "tls " + mode : "tls " + mode + " (CA " + rootCert + ")";
    }
}
