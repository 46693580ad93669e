package dev.cacheaside.debezium;

import dev.cacheaside.spi.SqlDialect;
import dev.cacheaside.testing.TestServers;
import java.sql.SQLException;
import java.sql.Statement;

/** The change-stream contract on PostgreSQL (logical decoding, pgoutput). */
class PostgresChangeStreamIT extends ChangeStreamContract {

    @Override
    DebeziumSourceOptions.Database database() {
        return DebeziumSourceOptions.Database.POSTGRESQL;
    }

    @Override
    int defaultPort() {
        return 5432;
    }

    @Override
    SqlDialect dialect() {
        return SqlDialect.POSTGRESQL;
    }

    @Override
    String adminUrl(boolean inNamespace) {
        String url = "jdbc:postgresql://" + TestServers.host("POSTGRES") + ":" + TestServers.port("POSTGRES", 5432) + "/postgres";
        return inNamespace ? url + "?currentSchema=" + namespace : url;
    }

    @Override
    void createNamespace(Statement s) throws SQLException {
        s.execute("CREATE SCHEMA " + namespace);
    }

    @Override
    void dropNamespace(Statement s) throws SQLException {
        makeGap(s);
        s.execute("DROP PUBLICATION IF EXISTS " + namespace);
        s.execute("DROP SCHEMA IF EXISTS " + namespace + " CASCADE");
    }

    @Override
    boolean slotActive(Statement s) throws SQLException {
        try (java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                + namespace + "' AND active")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    @Override
    void makeGap(Statement s) throws SQLException {
        try {
            // a consumer that just closed holds the slot until its engine's connection is closed
            await("the slot is released", START_BOUND, () -> {
                try {
                    return !slotActive(s);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException(e);
        }
        s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + namespace + "'");
    }

    @Override
    DebeziumSourceOptions.Builder sourceOptions() {
        return DebeziumSourceOptions.builder()
                .database(DebeziumSourceOptions.Database.POSTGRESQL)
                .host(TestServers.host("POSTGRES")).port(TestServers.port("POSTGRES", 5432))
                .user("postgres").databaseName("postgres").schema(namespace)
                .slot(namespace).publication(namespace).name("it-" + run);
    }
}
