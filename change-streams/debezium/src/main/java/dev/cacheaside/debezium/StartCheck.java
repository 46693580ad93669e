package dev.cacheaside.debezium;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cacheaside.debezium.DebeziumSourceOptions.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a source checks over JDBC before it streams: the watched tables, whether its stored
 * position is usable, and the server-side objects it needs (PostgreSQL: the publication, then the
 * slot; created when missing, idempotent). Blocking: runs on the source's own thread.
 */
final class StartCheck {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The outcome: the watched tables, and why everything must be invalidated (null: nothing to do). */
    record Outcome(List<String> tables, String conservativeReason) {
    }

    private final DebeziumSourceOptions options;

    StartCheck(DebeziumSourceOptions options) {
        this.options = options;
    }

    Outcome run() throws SQLException {
        try (Connection c = DriverManager.getConnection(options.jdbcUrl(), options.user(), options.password())) {
            c.setAutoCommit(true);
            JdbcOffsetStore.createTable(c, options.offsetsTable());
            List<String> tables = tables(c);
            if (tables.isEmpty()) {
                throw new SQLException("no table to watch in " + options.namespace());
            }
            List<String> stored = storedValues(c);
            return options.database() == Database.POSTGRESQL
                    ? new Outcome(tables, postgres(c, tables, stored))
                    : new Outcome(tables, mariadb(c, stored));
        }
    }

    /** The configured tables, or every base table of the watched schema or database except ours. */
    private List<String> tables(Connection c) throws SQLException {
        if (!options.tables().isEmpty()) {
            return options.tables();
        }
        List<String> tables = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT table_name FROM information_schema.tables"
                + " WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name")) {
            s.setString(1, options.namespace());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String table = rs.getString(1);
                    if (!table.equalsIgnoreCase(options.offsetsTable())) {
                        tables.add(table);
                    }
                }
            }
        }
        return tables;
    }

    private List<String> storedValues(Connection c) throws SQLException {
        List<String> values = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT v FROM " + options.offsetsTable() + " WHERE name = ?")) {
            s.setString(1, options.name());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1) != null) {
                        values.add(rs.getString(1));
                    }
                }
            }
        }
        return values;
    }

    private void forgetStored(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM " + options.offsetsTable() + " WHERE name = ?")) {
            s.setString(1, options.name());
            s.executeUpdate();
        }
    }

    private String postgres(Connection c, List<String> tables, List<String> stored) throws SQLException {
        boolean publication;
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            s.setString(1, options.publication());
            try (ResultSet rs = s.executeQuery()) {
                publication = rs.next();
            }
        }
        if (!publication) {
            // before the slot: pgoutput cannot decode WAL written before its publication existed
            List<String> qualified = new ArrayList<>();
            for (String t : tables) {
                qualified.add(options.schema() + "." + t);
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE PUBLICATION " + options.publication() + " FOR TABLE " + String.join(", ", qualified));
            }
        }
        Long slotFlushed = null;
        boolean slot = false;
        try (PreparedStatement s = c.prepareStatement("SELECT (confirmed_flush_lsn - '0/0')::bigint FROM pg_replication_slots"
                + " WHERE slot_name = ?")) {
            s.setString(1, options.slot());
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    slot = true;
                    long v = rs.getLong(1);
                    slotFlushed = rs.wasNull() ? null : v;
                }
            }
        }
        String reason = null;
        if (!slot) {
            reason = stored.isEmpty() ? "no stored position" : "replication slot " + options.slot() + " is missing";
            forgetStored(c);
            try (PreparedStatement s = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                s.setString(1, options.slot());
                s.execute();
            }
        } else if (stored.isEmpty()) {
            reason = "no stored position";
        } else {
            long storedLsn = -1;
            for (String v : stored) {
                JsonNode n = readJson(v);
                for (String field : List.of("lsn", "lsn_commit", "lsn_proc")) {
                    if (n.hasNonNull(field)) {
                        storedLsn = Math.max(storedLsn, n.get(field).asLong());
                    }
                }
            }
            if (slotFlushed != null && storedLsn >= 0 && slotFlushed > storedLsn) {
                reason = "replication slot " + options.slot() + " is ahead of the stored position (recreated, or read"
                        + " by another consumer)";
                forgetStored(c);
            }
        }
        return reason;
    }

    private String mariadb(Connection c, List<String> stored) throws SQLException {
        Set<String> logs = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW BINARY LOGS")) {
            while (rs.next()) {
                logs.add(rs.getString(1));
            }
        }
        String reason = null;
        if (stored.isEmpty()) {
            reason = "no stored position";
        } else {
            for (String v : stored) {
                JsonNode file = readJson(v).get("file");
                if (file == null || !logs.contains(file.asText())) {
                    reason = "the stored binlog " + (file == null ? "position" : file.asText()) + " is no longer on the server";
                }
            }
        }
        if (reason != null) {
            // fix the position first, then invalidate: a change after it is streamed, one before it is covered
            String file;
            long pos;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
                if (!rs.next()) {
                    throw new SQLException("SHOW MASTER STATUS returned nothing: is log_bin on?");
                }
                file = rs.getString(1);
                pos = rs.getLong(2);
            }
            forgetStored(c);
            String key = JSON.createArrayNode().add(options.name())
                    .add(JSON.createObjectNode().put("server", options.name())).toString();
            String value = JSON.createObjectNode().put("file", file).put("pos", pos).toString();
            try (PreparedStatement s = c.prepareStatement("INSERT INTO " + options.offsetsTable()
                    + " (id, name, k, v) VALUES (?, ?, ?, ?)")) {
                s.setString(1, SqlNames.sha256(options.name() + "\n" + key));
                s.setString(2, options.name());
                s.setString(3, key);
                s.setString(4, value);
                s.executeUpdate();
            }
        }
        return reason;
    }

    private static JsonNode readJson(String text) throws SQLException {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new SQLException("unreadable stored position: " + e.getMessage(), e);
        }
    }
}
