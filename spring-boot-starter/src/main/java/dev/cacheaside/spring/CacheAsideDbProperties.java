package dev.cacheaside.spring;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.springframework.boot.convert.DurationUnit;

/**
 * {@code cacheaside.db.*}: the database. The engine and address are used only when the
 * application has no R2DBC {@code ConnectionFactory} bean; the pool size and timeouts also
 * apply to an application's factory that is not already a pool.
 *
 * <p>The type of {@link CacheAsideProperties#getDb()}: a mutable bean for Spring's binder, read-only
 * once bound. {@link #toString()} never shows the password.
 */
public class CacheAsideDbProperties {

    /**
     * Database engine: h2 (embedded, in memory, created empty), mysql,
     * mariadb or postgresql (DB_ENGINE). Used only without an application ConnectionFactory.
     */
    private String engine = "h2";

    /** Database host (DB_HOST). */
    private String host = "localhost";

    /** Database port; by default 3306 for MySQL and MariaDB, 5432 for PostgreSQL (DB_PORT). */
    private Integer port;

    /** Database user; by default root for MySQL and MariaDB, postgres for PostgreSQL (DB_USER). */
    private String user;

    /** Database password (DB_PASSWORD); never logged or shown. */
    private String password;

    /** Database name; for h2, the name of the in-memory database (DB_NAME). */
    private String name = "airportdb";

    /**
     * TLS to the database (DB_SSL_MODE): disable (the default), require (encrypted, certificate
     * not checked), verify-ca or verify-full (certificate checked, and for verify-full its name).
     */
    private String sslMode;

    /** PEM file of the CA that signs the database's certificate, for verify-ca and verify-full (DB_SSL_ROOT_CERT). */
    private String sslRootCert;

    /** Connections in the pool (DB_POOL_SIZE). */
    private int poolSize = 10;

    /** How long a query waits for a free connection (DB_ACQUIRE_TIMEOUT). */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration acquireTimeout = Duration.ofSeconds(5);

    /** TCP connect timeout of the database (DB_CONNECT_TIMEOUT). */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration connectTimeout = Duration.ofSeconds(5);

    /** Longest a query may run on the server (DB_STATEMENT_TIMEOUT). */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration statementTimeout = Duration.ofSeconds(30);

    public String getEngine() { return engine; }
    public void setEngine(String engine) { this.engine = CacheAsideProperties.blankToNull(engine); }
    public String getHost() { return host; }
    public void setHost(String host) { this.host = CacheAsideProperties.blankToNull(host); }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public String getUser() { return user; }
    public void setUser(String user) { this.user = CacheAsideProperties.blankToNull(user); }
    public String getPassword() { return password; }
    public void setPassword(String password) { this.password = CacheAsideProperties.blankToNull(password); }
    public String getName() { return name; }
    public void setName(String name) { this.name = CacheAsideProperties.blankToNull(name); }
    public String getSslMode() { return sslMode; }
    public void setSslMode(String sslMode) { this.sslMode = CacheAsideProperties.blankToNull(sslMode); }
    public String getSslRootCert() { return sslRootCert; }
    public void setSslRootCert(String sslRootCert) { this.sslRootCert = CacheAsideProperties.blankToNull(sslRootCert); }
    public int getPoolSize() { return poolSize; }
    public void setPoolSize(int poolSize) { this.poolSize = poolSize; }
    public Duration getAcquireTimeout() { return acquireTimeout; }
    public void setAcquireTimeout(Duration acquireTimeout) { this.acquireTimeout = acquireTimeout; }
    public Duration getConnectTimeout() { return connectTimeout; }
    public void setConnectTimeout(Duration connectTimeout) { this.connectTimeout = connectTimeout; }
    public Duration getStatementTimeout() { return statementTimeout; }
    public void setStatementTimeout(Duration statementTimeout) { this.statementTimeout = statementTimeout; }

    @Override
    public String toString() {
        return "db[engine=" + engine + ", host=" + host + ", port=" + port + ", user=" + user
                + ", password=" + CacheAsideProperties.redact(password) + ", name=" + name
                + ", poolSize=" + poolSize
                + ", acquireTimeout=" + acquireTimeout + ", connectTimeout=" + connectTimeout
                + ", statementTimeout=" + statementTimeout + "]";
    }
}
