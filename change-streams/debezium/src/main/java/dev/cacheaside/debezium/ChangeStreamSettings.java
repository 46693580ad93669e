package dev.cacheaside.debezium;

import dev.cacheaside.CacheAside;
import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import dev.cacheaside.spi.CompareAndSetStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Change-stream invalidation from the configuration variables ({@code CACHE_CDC=true} turns it on;
 * off by default). The database is the one the library reads ({@code DB_ENGINE} {@code postgresql}
 * or {@code mariadb}, {@code DB_HOST}, {@code DB_PORT}, {@code DB_USER}, {@code DB_PASSWORD},
 * {@code DB_NAME}); the rest is {@code CACHE_CDC_*}: see the README's configuration table.
 */
public final class ChangeStreamSettings {

    public static final String CDC = "CACHE_CDC";
    public static final String SCHEMA = "CACHE_CDC_SCHEMA";
    public static final String TABLES = "CACHE_CDC_TABLES";
    public static final String NAME = "CACHE_CDC_NAME";
    public static final String SLOT = "CACHE_CDC_SLOT";
    public static final String PUBLICATION = "CACHE_CDC_PUBLICATION";
    public static final String SERVER_ID = "CACHE_CDC_SERVER_ID";
    public static final String DROP_SLOT = "CACHE_CDC_DROP_SLOT";
    public static final String OFFSETS_TABLE = "CACHE_CDC_OFFSETS_TABLE";
    public static final String LEASE_TTL = "CACHE_CDC_LEASE_TTL";

    private ChangeStreamSettings() {
    }

    /**
     * The source's options from {@code settings}, or empty when {@code CACHE_CDC} is not true.
     *
     * @throws ConfigurationException naming the variable when one is invalid
     */
    public static Optional<DebeziumSourceOptions> sourceOptions(Settings settings) {
        if (!settings.getBoolean(CDC, false)) {
            return Optional.empty();
        }
        String engine = settings.get("DB_ENGINE", "").toLowerCase(Locale.ROOT);
        DebeziumSourceOptions.Database database;
        switch (engine) {
            case "postgresql", "postgres" -> database = DebeziumSourceOptions.Database.POSTGRESQL;
            case "mariadb" -> database = DebeziumSourceOptions.Database.MARIADB;
            default -> throw new ConfigurationException("DB_ENGINE", "CACHE_CDC=true needs DB_ENGINE=postgresql or mariadb,"
                    + " was '" + engine + "'");
        }
        boolean pg = database == DebeziumSourceOptions.Database.POSTGRESQL;
        List<String> tables = new ArrayList<>();
        for (String t : settings.get(TABLES, "").split(",")) {
            if (!t.isBlank()) {
                tables.add(t.trim());
            }
        }
        try {
            return Optional.of(DebeziumSourceOptions.builder()
                    .database(database)
                    .host(settings.getHost("DB_HOST", "localhost"))
                    .port(settings.getPort("DB_PORT", pg ? 5432 : 3306))
                    .user(settings.get("DB_USER", pg ? "postgres" : "root"))
                    .password(settings.get("DB_PASSWORD", ""))
                    .databaseName(settings.get("DB_NAME", "airportdb"))
                    .schema(settings.get(SCHEMA, DebeziumSourceOptions.DEFAULT_SCHEMA))
                    .tables(tables)
                    .name(settings.get(NAME, DebeziumSourceOptions.DEFAULT_NAME))
                    .slot(settings.get(SLOT, DebeziumSourceOptions.DEFAULT_SLOT))
                    .publication(settings.get(PUBLICATION, DebeziumSourceOptions.DEFAULT_PUBLICATION))
                    .serverId(settings.getInt(SERVER_ID, DebeziumSourceOptions.DEFAULT_SERVER_ID, 1, Integer.MAX_VALUE))
                    .dropSlotOnClose(settings.getBoolean(DROP_SLOT, false))
                    .offsetsTable(settings.get(OFFSETS_TABLE, DebeziumSourceOptions.DEFAULT_OFFSETS_TABLE))
                    .build());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(CDC, "CACHE_CDC settings: " + e.getMessage());
        }
    }

    /**
     * A consumer (not started) feeding {@code cache}'s table invalidation from the configured
     * database, its lease in {@code leaseStore} under the cache's key prefix; empty when
     * {@code CACHE_CDC} is not true.
     */
    public static Optional<ChangeStreamConsumer> consumer(Settings settings, CacheAside cache, CompareAndSetStore leaseStore) {
        Duration ttl = settings.getDuration(LEASE_TTL, ChangeStreamConsumer.DEFAULT_LEASE_TTL);
        return sourceOptions(settings).map(options -> ChangeStreamConsumer.builder()
                .source(DebeziumChangeSource.create(options))
                .sink(cache.changeSink())
                .leaseStore(leaseStore)
                .leaseKey(cache.options().keyPrefix() + "cdc-leader:" + options.name())
                .leaseTtl(ttl)
                .build());
    }
}
