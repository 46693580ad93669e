package dev.cacheaside.r2dbc;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.netty.handler.ssl.SslContextBuilder;
import io.r2dbc.spi.Option;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * TLS to the database from {@code DB_SSL_MODE} and {@code DB_SSL_ROOT_CERT}, one meaning for every
 * server engine, written into each driver's own options.
 *
 * <ul>
 *   <li>not set: each driver's own default (the PostgreSQL and MariaDB drivers do not encrypt;
 *       the MySQL driver encrypts when the server offers TLS, without checking it).</li>
 *   <li>{@code disable}: no TLS.</li>
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
    /** DB_SSL_MODE not set: each driver's own default applies. */
    private static final String DRIVER_DEFAULT = "";
    private static final List<String> MODES_OR_UNSET = List.of("", "disable", "require", "verify-ca", "verify-full");

    private static final DatabaseTls UNSET = new DatabaseTls(DRIVER_DEFAULT, null, null);

    final String mode;
    final Path rootCert;
    /** The CA certificates of {@link #rootCert}, read once when configured (never on an event loop). */
    private final X509Certificate[] trusted;

    private DatabaseTls(String mode, Path rootCert, X509Certificate[] trusted) {
        this.mode = mode;
        this.rootCert = rootCert;
        this.trusted = trusted;
    }

    /** Whether DB_SSL_MODE was set (otherwise the driver's own default applies). */
    boolean isSet() {
        return !mode.isEmpty();
    }

    /**
     * The TLS settings of {@code settings} for {@code driver}.
     *
     * @throws ConfigurationException naming the variable: an unknown mode, TLS asked of H2, a root
     *     certificate with a mode that verifies nothing, or one that is not a readable file
     */
    static DatabaseTls of(R2dbcProviders.Driver driver, Settings settings) {
        String mode = settings.getChoice(MODE, DRIVER_DEFAULT, MODES_OR_UNSET);
        String cert = settings.get(ROOT_CERT).map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
        if (driver == R2dbcProviders.Driver.H2) {
            boolean noTls = mode.isEmpty() || mode.equals("disable");
            if (!noTls || cert != null) {
                throw new ConfigurationException(noTls ? ROOT_CERT : MODE, (noTls
                        ? ROOT_CERT + " is set" : MODE + "=" + mode + " is set")
                        + " but DB_ENGINE=h2 runs inside this JVM and takes no TLS; remove it");
            }
            return UNSET;
        }
        if (cert == null) {
            return mode.isEmpty() ? UNSET : new DatabaseTls(mode, null, null);
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
        return new DatabaseTls(mode, path.toAbsolutePath(), certificates(path));
    }

    /** The X.509 certificates of a PEM file, read now so that no connection reads the file later. */
    private static X509Certificate[] certificates(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            List<X509Certificate> certs = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new CertificateException("no certificate in it");
            }
            return certs.toArray(new X509Certificate[0]);
        } catch (IOException | CertificateException | ClassCastException e) {
            throw new ConfigurationException(ROOT_CERT, ROOT_CERT + "='" + path + "' is not a PEM file of CA"
                    + " certificates: " + e.getMessage());
        }
    }

    /** Writes these settings into {@code builder} under {@code driver}'s option names. */
    void applyTo(R2dbcProviders.Driver driver, ConnectionFactoryOptions.Builder builder) {
        if (!isSet()) {
            return;
        }
        String driverMode;
        switch (driver) {
            case POSTGRESQL:
                driverMode = mode;
                break;
            case MARIADB:
                driverMode = mode.equals("require") ? "trust" : mode;
                if (mode.startsWith("verify-")) {
                    // this driver refuses a verifying mode without a CA of its own unless told
                    // to use the JVM's trust store; our CA, when given, replaces that below
                    builder.option(Option.valueOf("fallbackToSystemTrustStore"), true);
                }
                break;
            case MYSQL:
                driverMode = mode.equals("verify-full") ? "VERIFY_IDENTITY"
                        : mode.equals("require") ? "REQUIRED" : mode.toUpperCase(Locale.ROOT).replace('-', '_');
                if (driverMode.equals("DISABLE")) {
                    driverMode = "DISABLED";
                }
                break;
            default:
                throw new IllegalStateException("no TLS for " + driver);
        }
        builder.option(Option.valueOf("sslMode"), driverMode);
        if (mode.equals("disable")) {
            return;
        }
        builder.option(ConnectionFactoryOptions.SSL, true);
        if (trusted != null || mode.equals("verify-ca")) {
            // the CA goes in as certificates read at configuration, never as a path a driver
            // would read on its event loop; verify-ca also turns off the host-name check that
            // Netty 4.2 makes by default, so that it trusts the CA's signature alone, as in libpq
            builder.option(Option.valueOf("sslContextBuilderCustomizer"),
                    Tls.customizer(trusted, mode.equals("verify-ca")));
        }
    }

    /** Netty's side, loaded only when TLS is used (and so a driver, with Netty, is present). */
    private static final class Tls {
        static UnaryOperator<SslContextBuilder> customizer(X509Certificate[] trusted, boolean noHostNameCheck) {
            return b -> {
                if (trusted != null) {
                    b.trustManager(trusted);
                }
                return noHostNameCheck ? b.endpointIdentificationAlgorithm(null) : b;
            };
        }
    }

    /** For log lines and errors: the mode, and the CA file when there is one (never a secret). */
    @Override
    public String toString() {
        if (!isSet()) {
            return "tls: driver default";
        }
        return rootCert == null ? "tls " + mode : "tls " + mode + " (CA " + rootCert + ")";
    }
}
