package dev.cacheaside.spring;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.convert.DurationUnit;

/**
 * {@code cacheaside.cdc.*}: change-stream invalidation (module {@code cache-aside-debezium}).
 * With {@code enabled=true} the starter runs a {@code ChangeStreamConsumer} as part of the
 * application's lifecycle: every committed change to a watched table, whoever wrote it,
 * invalidates that table's cached queries. Each property is one of the library's
 * {@code CACHE_CDC_*} variables, with its default. The database is the application's
 * ({@code spring.r2dbc.url} and credentials) unless {@code cacheaside.db.*} names one.
 *
 * <p>The type of {@link CacheAsideProperties#getCdc()}: a mutable bean for Spring's binder,
 * read-only once bound.
 */
public class CacheAsideCdcProperties {

    /**
     * Whether committed changes read from the database's change stream invalidate the cached
     * queries of their tables (CACHE_CDC); needs PostgreSQL (wal_level=logical) or MariaDB
     * (row-based binlog) and the module cache-aside-debezium.
     */
    private boolean enabled = false;

    /** The deployment's consumer: its stored position and its leader lease are under this name (CACHE_CDC_NAME). */
    private String name = "cache-aside";

    /** The watched tables, without schema; empty: every table of the schema or database (CACHE_CDC_TABLES). */
    private List<String> tables = new ArrayList<>();

    /** PostgreSQL: the schema whose tables are watched (CACHE_CDC_SCHEMA). */
    private String schema = "public";

    /** PostgreSQL: the logical replication slot (CACHE_CDC_SLOT). */
    private String slot = "cache_aside";

    /** PostgreSQL: the publication, created over the watched tables when missing (CACHE_CDC_PUBLICATION). */
    private String publication = "cache_aside";

    /** PostgreSQL: drop the slot on a clean shutdown; the next start then invalidates everything (CACHE_CDC_DROP_SLOT). */
    private boolean dropSlot = false;

    /** MariaDB: the binlog reader's server id, unique among the server's replicas (CACHE_CDC_SERVER_ID). */
    private int serverId = 54_001;

    /** The table, in the watched database, that holds the stored position (CACHE_CDC_OFFSETS_TABLE). */
    private String offsetsTable = "cache_aside_cdc_offsets";

    /** The leader lease: a dead leader is replaced within about this plus a third of it (CACHE_CDC_LEASE_TTL). */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration leaseTtl = Duration.ofSeconds(10);

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public String getName() { return name; }
    public void setName(String name) { this.name = CacheAsideProperties.blankToNull(name); }
    public List<String> getTables() { return tables; }
    public void setTables(List<String> tables) {
        this.tables = new ArrayList<>();
        if (tables != null) {
            tables.stream().filter(t -> t != null && !t.isBlank()).map(String::trim).forEach(this.tables::add);
        }
    }
    public String getSchema() { return schema; }
    public void setSchema(String schema) { this.schema = CacheAsideProperties.blankToNull(schema); }
    public String getSlot() { return slot; }
    public void setSlot(String slot) { this.slot = CacheAsideProperties.blankToNull(slot); }
    public String getPublication() { return publication; }
    public void setPublication(String publication) { this.publication = CacheAsideProperties.blankToNull(publication); }
    public boolean isDropSlot() { return dropSlot; }
    public void setDropSlot(boolean dropSlot) { this.dropSlot = dropSlot; }
    public int getServerId() { return serverId; }
    public void setServerId(int serverId) { this.serverId = serverId; }
    public String getOffsetsTable() { return offsetsTable; }
    public void setOffsetsTable(String offsetsTable) { this.offsetsTable = CacheAsideProperties.blankToNull(offsetsTable); }
    public Duration getLeaseTtl() { return leaseTtl; }
    public void setLeaseTtl(Duration leaseTtl) { this.leaseTtl = leaseTtl; }

    @Override
    public String toString() {
        return "cdc[enabled=" + enabled + ", name=" + name + ", tables=" + tables + ", schema=" + schema
                + ", slot=" + slot + ", publication=" + publication + ", dropSlot=" + dropSlot
                + ", serverId=" + serverId + ", offsetsTable=" + offsetsTable + ", leaseTtl=" + leaseTtl + "]";
    }
}
