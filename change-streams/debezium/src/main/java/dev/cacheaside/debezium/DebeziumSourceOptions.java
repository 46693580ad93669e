package dev.cacheaside.debezium;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What an embedded Debezium change source reads and where it keeps its position. Immutable;
 * build with {@link #builder()}. The password is never shown by {@link #toString()}.
 */
public final class DebeziumSourceOptions {

    /** The databases this source reads. */
    public enum Database {
        /** PostgreSQL 10+ through logical decoding ({@code pgoutput}); needs {@code wal_level=logical}. */
        POSTGRESQL,
        /** MariaDB (and MySQL) through the row-based binlog; needs {@code log_bin}, {@code binlog_format=ROW}. */
        MARIADB
    }

    public static final String DEFAULT_NAME = "cache-aside";
    public static final String DEFAULT_SLOT = "cache_aside";
    public static final String DEFAULT_PUBLICATION = "cache_aside";
    public static final String DEFAULT_SCHEMA = "public";
    public static final int DEFAULT_SERVER_ID = 54_001;
    public static final String DEFAULT_OFFSETS_TABLE = "cache_aside_cdc_offsets";
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(20);
    public static final Duration DEFAULT_INVALIDATION_WAIT = Duration.ofSeconds(30);

    private final Database database;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String databaseName;
    private final String schema;
    private final List<String> tables;
    private final String name;
    private final String slot;
    private final String publication;
    private final int serverId;
    private final boolean dropSlotOnClose;
    private final String offsetsTable;
    private final Duration pollInterval;
    private final Duration invalidationWait;

    private DebeziumSourceOptions(Builder b) {
        database = b.database;
        host = b.host;
        port = b.port;
        user = b.user;
        password = b.password;
        databaseName = b.databaseName;
        schema = b.schema;
        tables = List.copyOf(b.tables);
        name = b.name;
        slot = b.slot;
        publication = b.publication;
        serverId = b.serverId;
        dropSlotOnClose = b.dropSlotOnClose;
        offsetsTable = b.offsetsTable;
        pollInterval = b.pollInterval;
        invalidationWait = b.invalidationWait;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Database database() { return database; }
    public String host() { return host; }
    public int port() { return port; }
    public String user() { return user; }
    public String password() { return password; }
    /** The database (PostgreSQL: the one connected to; MariaDB: the one whose tables are watched). */
    public String databaseName() { return databaseName; }
    /** PostgreSQL: the schema whose tables are watched. */
    public String schema() { return schema; }
    /** The watched tables (unqualified); empty: every table of the schema (PostgreSQL) or database (MariaDB). */
    public List<String> tables() { return tables; }
    /** The consumer's name: its stored position and its leader lease are under it. */
    public String name() { return name; }
    /** PostgreSQL: the replication slot. */
    public String slot() { return slot; }
    /** PostgreSQL: the publication. */
    public String publication() { return publication; }
    /** MariaDB: the server id the binlog reader uses, unique among the server's replicas. */
    public int serverId() { return serverId; }
    /** PostgreSQL: whether a clean close drops the slot (the next start then invalidates everything). */
    public boolean dropSlotOnClose() { return dropSlotOnClose; }
    /** The table, in the watched database, that holds the stored positions. */
    public String offsetsTable() { return offsetsTable; }
    /** How often Debezium's queue is polled for new changes. */
    public Duration pollInterval() { return pollInterval; }
    /** How long a batch waits for its invalidation before the source fails (and restarts from its position). */
    public Duration invalidationWait() { return invalidationWait; }

    /** The JDBC URL of the watched database. */
    String jdbcUrl() {
        return database == Database.POSTGRESQL
                ? "jdbc:postgresql://" + host + ":" + port + "/" + databaseName
                : "jdbc:mysql://" + host + ":" + port + "/" + databaseName + "?permitMysqlScheme&allowPublicKeyRetrieval=true&useSSL=false";
    }

    /** The schema (PostgreSQL) or database (MariaDB) whose tables are watched. */
    String namespace() {
        return database == Database.POSTGRESQL ? schema : databaseName;
    }

    @Override
    public String toString() {
        return "DebeziumSourceOptions[" + database + " " + user + "@" + host + ":" + port + "/" + databaseName
                + (database == Database.POSTGRESQL ? " schema=" + schema + " slot=" + slot + " publication=" + publication
                        : " serverId=" + serverId)
                + " tables=" + (tables.isEmpty() ? "all" : tables) + " name=" + name + " offsets=" + offsetsTable
                + " password=" + (password.isEmpty() ? "" : "REDACTED") + "]";
    }

    /** Builds {@link DebeziumSourceOptions}; not thread safe. */
    public static final class Builder {
        private Database database;
        private String host = "127.0.0.1";
        private int port = -1;
        private String user;
        private String password = "";
        private String databaseName;
        private String schema = DEFAULT_SCHEMA;
        private List<String> tables = List.of();
        private String name = DEFAULT_NAME;
        private String slot = DEFAULT_SLOT;
        private String publication = DEFAULT_PUBLICATION;
        private int serverId = DEFAULT_SERVER_ID;
        private boolean dropSlotOnClose;
        private String offsetsTable = DEFAULT_OFFSETS_TABLE;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration invalidationWait = DEFAULT_INVALIDATION_WAIT;

        private Builder() {
        }

        public Builder database(Database database) { this.database = database; return this; }
        public Builder host(String host) { this.host = host; return this; }
        /** The port; the database's default (5432, 3306) when not set. */
        public Builder port(int port) { this.port = port; return this; }
        public Builder user(String user) { this.user = user; return this; }
        public Builder password(String password) { this.password = password == null ? "" : password; return this; }
        public Builder databaseName(String databaseName) { this.databaseName = databaseName; return this; }
        public Builder schema(String schema) { this.schema = schema; return this; }
        public Builder tables(List<String> tables) { this.tables = Objects.requireNonNull(tables, "tables"); return this; }
        public Builder name(String name) { this.name = name; return this; }
        public Builder slot(String slot) { this.slot = slot; return this; }
        public Builder publication(String publication) { this.publication = publication; return this; }
        public Builder serverId(int serverId) { this.serverId = serverId; return this; }
        public Builder dropSlotOnClose(boolean drop) { this.dropSlotOnClose = drop; return this; }
        public Builder offsetsTable(String offsetsTable) { this.offsetsTable = offsetsTable; return this; }
        public Builder pollInterval(Duration pollInterval) { this.pollInterval = pollInterval; return this; }
        public Builder invalidationWait(Duration wait) { this.invalidationWait = wait; return this; }

        /**
         * The options.
         *
         * @throws IllegalArgumentException naming the setting and its value when one is missing or invalid
         */
        public DebeziumSourceOptions build() {
            if (database == null) {
                throw new IllegalArgumentException("database must be set (POSTGRESQL or MARIADB)");
            }
            if (port == -1) {
                port = database == Database.POSTGRESQL ? 5432 : 3306;
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("port must be 1..65535, was " + port);
            }
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("user must be set");
            }
            SqlNames.checked(databaseName, "databaseName");
            SqlNames.checked(schema, "schema");
            for (String table : tables) {
                SqlNames.checked(table, "tables");
                if (table.contains(".")) {
                    throw new IllegalArgumentException("tables are named without schema, was '" + table + "'");
                }
            }
            if (name == null || !name.matches("[A-Za-z0-9_.-]{1,100}")) {
                throw new IllegalArgumentException("name must be 1..100 letters, digits, '_', '.', '-', was '" + name + "'");
            }
            SqlNames.checked(slot, "slot");
            SqlNames.checked(publication, "publication");
            SqlNames.checked(offsetsTable, "offsetsTable");
            if (offsetsTable.contains(".")) {
                throw new IllegalArgumentException("offsetsTable is named without schema, was '" + offsetsTable + "'");
            }
            if (serverId < 1) {
                throw new IllegalArgumentException("serverId must be positive, was " + serverId);
            }
            positive(pollInterval, "pollInterval");
            positive(invalidationWait, "invalidationWait");
            return new DebeziumSourceOptions(this);
        }

        private static void positive(Duration d, String setting) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(setting + " must be positive, was " + d);
            }
        }
    }
}
