package dev.cacheaside.debezium;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Debezium's positions (Kafka Connect offsets) in a table of the database itself, so every
 * instance of a deployment reads the position the last consumer stored: loaded at start, and
 * written (upserted, each entry one row) every time the engine commits offsets.
 *
 * <p>Configured through the engine's properties {@value #URL}, {@value #USER}, {@value #PASSWORD},
 * {@value #TABLE} and {@value #NAME} (the consumer's name; rows of other names are left alone).
 * The table is created when missing. Used by Debezium's engine thread only; not for the event loop.
 */
public final class JdbcOffsetStore extends MemoryOffsetBackingStore {

    static final String URL = "offset.storage.cacheaside.url";
    static final String USER = "offset.storage.cacheaside.user";
    static final String PASSWORD = "offset.storage.cacheaside.password";
    static final String TABLE = "offset.storage.cacheaside.table";
    static final String NAME = "offset.storage.cacheaside.name";

    private String url;
    private String user;
    private String password;
    private String table;
    private String name;
    /** What the table holds for this name, as last read or written. */
    private final Map<ByteBuffer, ByteBuffer> saved = new HashMap<>();

    /** Called by Debezium's engine through reflection. */
    public JdbcOffsetStore() {
    }

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Map<String, Object> all = config.originals();
        url = required(all, URL);
        user = String.valueOf(all.getOrDefault(USER, ""));
        password = String.valueOf(all.getOrDefault(PASSWORD, ""));
        table = SqlNames.checked(required(all, TABLE), TABLE);
        name = required(all, NAME);
    }

    private static String required(Map<String, Object> all, String key) {
        Object value = all.get(key);
        if (value == null || value.toString().isBlank()) {
            throw new ConnectException(key + " must be set");
        }
        return value.toString();
    }

    @Override
    public synchronized void start() {
        super.start();
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            createTable(c, table);
            try (PreparedStatement s = c.prepareStatement("SELECT k, v FROM " + table + " WHERE name = ?")) {
                s.setString(1, name);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        ByteBuffer k = bytes(rs.getString(1));
                        ByteBuffer v = rs.getString(2) == null ? null : bytes(rs.getString(2));
                        data.put(k, v);
                        saved.put(k, v);
                    }
                }
            }
        } catch (SQLException e) {
            throw new ConnectException("could not read the stored change-stream positions from " + table
                    + ": " + e.getMessage(), e);
        }
    }

    /** Creates the positions table when missing (idempotent). */
    static void createTable(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + table + " (id CHAR(64) PRIMARY KEY, name VARCHAR(190) NOT NULL,"
                    + " k TEXT NOT NULL, v TEXT)");
        }
    }

    @Override
    protected synchronized void save() {
        Map<ByteBuffer, ByteBuffer> changed = new HashMap<>();
        for (Map.Entry<ByteBuffer, ByteBuffer> e : data.entrySet()) {
            if (!saved.containsKey(e.getKey()) || !Objects.equals(saved.get(e.getKey()), e.getValue())) {
                changed.put(e.getKey(), e.getValue());
            }
        }
        if (changed.isEmpty()) {
            return;
        }
        boolean postgres = url.startsWith("jdbc:postgresql:");
        String upsert = "INSERT INTO " + table + " (id, name, k, v) VALUES (?, ?, ?, ?) "
                + (postgres ? "ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v" : "ON DUPLICATE KEY UPDATE v = VALUES(v)");
        try (Connection c = DriverManager.getConnection(url, user, password);
                PreparedStatement s = c.prepareStatement(upsert)) {
            for (Map.Entry<ByteBuffer, ByteBuffer> e : changed.entrySet()) {
                String k = text(e.getKey());
                s.setString(1, SqlNames.sha256(name + "\n" + k));
                s.setString(2, name);
                s.setString(3, k);
                s.setString(4, e.getValue() == null ? null : text(e.getValue()));
                s.addBatch();
            }
            s.executeBatch();
            saved.putAll(changed);
        } catch (SQLException e) {
            // the engine fails the offset commit: records are delivered again, nothing is lost
            throw new ConnectException("could not store the change-stream position in " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }

    private static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
